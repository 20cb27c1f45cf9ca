package dev.strata.pipeline.tokenize;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.strata.pipeline.StrataException;
import dev.strata.pipeline.model.LlamaConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * A model's tokenizer.json, run by DJL's binding of the Hugging Face tokenizers library (its native library
 * ships inside the Maven Central jar, so it works offline). Encoding never truncates and never adds special
 * tokens by itself: callers add BOS where the protocol asks for it.
 */
public final class Tokenizer implements AutoCloseable {
    public static final String FILE = "tokenizer.json";

    public static final String CONFIG_FILE = "tokenizer_config.json";

    private final HuggingFaceTokenizer tokenizer;
    private final int bosId;
    private final boolean addsBos;
    private final Path file;

    private Tokenizer(HuggingFaceTokenizer tokenizer, int bosId, boolean addsBos, Path file) {
        this.tokenizer = tokenizer;
        this.bosId = bosId;
        this.addsBos = addsBos;
        this.file = file;
    }

    /** Loads {@code modelDir}/tokenizer.json; BOS comes from the model config. */
    public static Tokenizer load(Path modelDir, LlamaConfig config) {
        Path file = modelDir.resolve(FILE);
        if (!Files.exists(file)) {
            throw new StrataException(file + ": file does not exist (Strata needs the Hugging Face tokenizer.json)");
        }
        requireReadable(file);
        boolean addsBos = addsBos(modelDir, config); // outside the try: its errors name their own file
        try {
            HuggingFaceTokenizer hf = HuggingFaceTokenizer.builder()
                    .optTokenizerPath(file)
                    .optAddSpecialTokens(false)
                    .optTruncation(false)
                    .optPadding(false)
                    .build();
            return new Tokenizer(hf, config.bosTokenId(), addsBos, file);
        } catch (IOException | RuntimeException ex) {
            throw new StrataException(file + ": cannot load tokenizer: " + ex.getMessage(), ex);
        } catch (UnsatisfiedLinkError | NoClassDefFoundError ex) {
            throw new StrataException("the Hugging Face tokenizers native library does not load on "
                    + System.getProperty("os.name") + "/" + System.getProperty("os.arch") + ": " + ex.getMessage(), ex);
        }
    }

    /**
     * Whether the model's tokenizer puts BOS before a text by default: tokenizer_config.json's add_bos_token when
     * given, else true when the model has a BOS token (Llama's tokenizers do).
     */
    private static boolean addsBos(Path modelDir, LlamaConfig config) {
        Path file = modelDir.resolve(CONFIG_FILE);
        if (Files.exists(file)) {
            requireReadable(file);
            String text;
            try {
                text = Files.readString(file);
            } catch (IOException ex) { // unreadable is not malformed: the two are told apart
                throw new StrataException(file + ": cannot read: " + ex.getMessage(), ex);
            }
            JsonNode root;
            try {
                root = new ObjectMapper().readTree(text);
            } catch (JsonProcessingException ex) {
                throw new StrataException(file + ": not valid JSON: " + ex.getOriginalMessage());
            }
            JsonNode v = root == null ? null : root.get("add_bos_token");
            if (v != null && v.isBoolean()) {
                return v.asBoolean() && config.bosTokenId() >= 0;
            }
        }
        return config.bosTokenId() >= 0;
    }

    /** A folder or unreadable file in a tokenizer file's place is named as such, not as a missing or bad file. */
    private static void requireReadable(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new StrataException(file + ": cannot read: not a regular file");
        }
        if (!Files.isReadable(file)) {
            throw new StrataException(file + ": cannot read: permission denied");
        }
    }

    /** True when texts get BOS first by the tokenizer's own default (tokenizer_config.json's add_bos_token). */
    public boolean addsBos() {
        return addsBos;
    }

    /** Token ids of {@code text}, without special tokens. */
    public int[] encode(String text) {
        Encoding encoding = tokenizer.encode(text, false, false);
        return Arrays.stream(encoding.getIds()).mapToInt(Math::toIntExact).toArray();
    }

    /** BOS followed by the ids of {@code text}. */
    public int[] encodeWithBos(String text) {
        int[] ids = encode(text);
        if (bosId < 0) {
            throw new StrataException(file + ": the model declares no bos_token_id");
        }
        int[] out = new int[ids.length + 1];
        out[0] = bosId;
        System.arraycopy(ids, 0, out, 1, ids.length);
        return out;
    }

    /** Text of token ids; special tokens are skipped. */
    public String decode(int[] ids) {
        return tokenizer.decode(Arrays.stream(ids).asLongStream().toArray(), true);
    }

    /** The BOS id, or -1 when the model has none. */
    public int bosId() {
        return bosId;
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
