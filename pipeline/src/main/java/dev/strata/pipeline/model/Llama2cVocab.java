package dev.strata.pipeline.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.strata.pipeline.StrataException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A llama2.c tokenizer.bin (SentencePiece BPE vocabulary exported with scores: int32 max_token_length, then per
 * token float32 score, int32 length and the UTF-8 bytes, with "▁" written as a space and BOS/EOS as
 * "\n&lt;s&gt;\n" and "\n&lt;/s&gt;\n"), converted to the Hugging Face tokenizer.json that transformers' Llama
 * converter produces: BPE with byte fallback whose merges are every split of a piece into two pieces, ranked by
 * the piece's score.
 */
public final class Llama2cVocab {
    private static final String SPACE = "\u2581";
    private static final Pattern BYTE_PIECE = Pattern.compile("<0x[0-9A-F]{2}>");
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final List<String> pieces;
    private final float[] scores;

    private Llama2cVocab(List<String> pieces, float[] scores) {
        this.pieces = pieces;
        this.scores = scores;
    }

    /** Reads a tokenizer.bin holding {@code vocabSize} tokens (the size comes from the model header). */
    public static Llama2cVocab read(Path file, int vocabSize) {
        ByteBuffer b;
        try {
            b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        } catch (NoSuchFileException ex) {
            throw new StrataException(file + ": file does not exist");
        } catch (IOException ex) {
            throw new UncheckedIOException(file + ": cannot read: " + ex.getMessage(), ex);
        }
        var decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT);
        List<String> pieces = new ArrayList<>(vocabSize);
        float[] scores = new float[vocabSize];
        int id = 0;
        try {
            int maxLength = b.getInt();
            for (; id < vocabSize; id++) {
                scores[id] = b.getFloat();
                int length = b.getInt();
                if (length <= 0 || length > maxLength) {
                    throw new StrataException(file + ": token " + id + " has length " + length
                            + " (expected 1.." + maxLength + "); is this the tokenizer of this model?");
                }
                byte[] bytes = new byte[length];
                b.get(bytes);
                pieces.add(pieceOf(decoder.decode(ByteBuffer.wrap(bytes)).toString(), id));
            }
        } catch (BufferUnderflowException ex) {
            throw new StrataException(file + ": file ends at token " + id + " but the model has " + vocabSize
                    + " tokens (truncated, or the tokenizer of another model)");
        } catch (CharacterCodingException ex) {
            throw new StrataException(file + ": token " + id + " is not valid UTF-8");
        }
        if (b.hasRemaining()) {
            throw new StrataException(file + ": " + b.remaining() + " bytes follow the " + vocabSize
                    + " tokens the model has (the tokenizer of another model?)");
        }
        return new Llama2cVocab(List.copyOf(pieces), scores);
    }

    /** Undoes llama2.c's export edits to get SentencePiece's piece back. */
    private static String pieceOf(String exported, int id) {
        if (exported.equals("\n<s>\n")) {
            return "<s>";
        }
        if (exported.equals("\n</s>\n")) {
            return "</s>";
        }
        return exported.replace(" ", SPACE);
    }

    public int size() {
        return pieces.size();
    }

    public String piece(int id) {
        return pieces.get(id);
    }

    public float score(int id) {
        return scores[id];
    }

    private boolean isSpecial(String piece) {
        return piece.equals("<unk>") || piece.equals("<s>") || piece.equals("</s>");
    }

    /** The Hugging Face tokenizer.json of this vocabulary. */
    public String toTokenizerJson() {
        Map<String, Integer> ids = new HashMap<>();
        for (int i = 0; i < pieces.size(); i++) {
            ids.putIfAbsent(pieces.get(i), i);
        }
        ObjectNode root = JSON.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        for (String special : List.of("<unk>", "<s>", "</s>")) {
            Integer id = ids.get(special);
            if (id != null) {
                added.addObject().put("id", id).put("content", special).put("single_word", false).put("lstrip", false)
                        .put("rstrip", false).put("normalized", false).put("special", true);
            }
        }
        ObjectNode normalizer = root.putObject("normalizer").put("type", "Sequence");
        ArrayNode norms = normalizer.putArray("normalizers");
        norms.addObject().put("type", "Prepend").put("prepend", SPACE);
        ObjectNode replace = norms.addObject().put("type", "Replace");
        replace.putObject("pattern").put("String", " ");
        replace.put("content", SPACE);
        root.putNull("pre_tokenizer");
        root.set("post_processor", bosTemplate(ids.getOrDefault("<s>", 1)));
        ObjectNode decoder = root.putObject("decoder").put("type", "Sequence");
        ArrayNode decoders = decoder.putArray("decoders");
        ObjectNode unspace = decoders.addObject().put("type", "Replace");
        unspace.putObject("pattern").put("String", SPACE);
        unspace.put("content", " ");
        decoders.addObject().put("type", "ByteFallback");
        decoders.addObject().put("type", "Fuse");
        decoders.addObject().put("type", "Strip").put("content", " ").put("start", 1).put("stop", 0);

        ObjectNode model = root.putObject("model");
        model.put("type", "BPE").putNull("dropout");
        model.put("unk_token", "<unk>").putNull("continuing_subword_prefix");
        model.putNull("end_of_word_suffix");
        model.put("fuse_unk", true).put("byte_fallback", true).put("ignore_merges", false);
        ObjectNode vocab = model.putObject("vocab");
        for (int i = 0; i < pieces.size(); i++) {
            vocab.put(pieces.get(i), i);
        }
        ArrayNode merges = model.putArray("merges");
        for (String[] m : merges(ids)) {
            merges.addArray().add(m[0]).add(m[1]);
        }
        try {
            return JSON.writeValueAsString(root) + "\n";
        } catch (IOException ex) {
            throw new IllegalStateException(ex);
        }
    }

    /** Every split of a piece into two pieces, highest piece score first, then by the ids of the halves. */
    private List<String[]> merges(Map<String, Integer> ids) {
        record Merge(String left, String right, float score, int leftId, int rightId) {
        }
        List<Merge> merges = new ArrayList<>();
        for (int id = 0; id < pieces.size(); id++) {
            String piece = pieces.get(id);
            if (isSpecial(piece) || BYTE_PIECE.matcher(piece).matches()) {
                continue;
            }
            for (int cut = piece.offsetByCodePoints(0, 1); cut < piece.length(); cut = piece.offsetByCodePoints(cut, 1)) {
                Integer left = ids.get(piece.substring(0, cut));
                Integer right = ids.get(piece.substring(cut));
                if (left != null && right != null) {
                    merges.add(new Merge(piece.substring(0, cut), piece.substring(cut), scores[id], left, right));
                }
            }
        }
        merges.sort(Comparator.comparingDouble((Merge m) -> -m.score()).thenComparingInt(Merge::leftId)
                .thenComparingInt(Merge::rightId));
        return merges.stream().map(m -> new String[] {m.left(), m.right()}).toList();
    }

    private ObjectNode bosTemplate(int bosId) {
        ObjectNode p = JSON.createObjectNode().put("type", "TemplateProcessing");
        ArrayNode single = p.putArray("single");
        single.addObject().putObject("SpecialToken").put("id", "<s>").put("type_id", 0);
        single.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
        ArrayNode pair = p.putArray("pair");
        pair.addObject().putObject("SpecialToken").put("id", "<s>").put("type_id", 0);
        pair.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
        pair.addObject().putObject("SpecialToken").put("id", "<s>").put("type_id", 1);
        pair.addObject().putObject("Sequence").put("id", "B").put("type_id", 1);
        ObjectNode bos = p.putObject("special_tokens").putObject("<s>");
        bos.put("id", "<s>");
        bos.putArray("ids").add(bosId);
        bos.putArray("tokens").add("<s>");
        return p;
    }

    /** The tokenizer_config.json transformers expects beside a Llama tokenizer.json. */
    public String tokenizerConfigJson(int modelMaxLength) {
        ObjectNode c = JSON.createObjectNode();
        c.put("add_bos_token", true).put("add_eos_token", false);
        c.put("bos_token", "<s>").put("eos_token", "</s>").put("unk_token", "<unk>");
        c.put("model_max_length", modelMaxLength).put("tokenizer_class", "LlamaTokenizer");
        c.put("legacy", true).put("clean_up_tokenization_spaces", false);
        try {
            return JSON.writeValueAsString(c) + "\n";
        } catch (IOException ex) {
            throw new IllegalStateException(ex);
        }
    }
}
