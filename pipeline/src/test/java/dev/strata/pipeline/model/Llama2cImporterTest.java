package dev.strata.pipeline.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.strata.pipeline.StrataException;
import dev.strata.pipeline.testing.TinyModels;
import dev.strata.pipeline.tokenize.Tokenizer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Llama2cImporterTest {
    private static final Path BIN = TinyModels.STORIES_LLAMA2C.resolve("stories260K.bin");
    private static final Path TOK = TinyModels.STORIES_LLAMA2C.resolve("tok512.bin");

    @TempDir
    Path dir;

    @Test
    void importedWeightsEqualSharedHuggingFaceFolderExactly() throws Exception {
        Checkpoint imported = Llama2cImporter.importModel(BIN, TOK);
        Checkpoint shared = ModelFolder.read(TinyModels.STORIES);
        assertEquals(shared.tensors().keySet(), imported.tensors().keySet());
        for (String name : shared.tensors().keySet()) {
            assertTrue(shared.tensor(name).bitEquals(imported.tensor(name)), name);
        }
        ObjectMapper json = new ObjectMapper();
        JsonNode expected = json.readTree(shared.assets().get("tokenizer.json"));
        JsonNode actual = json.readTree(imported.assets().get("tokenizer.json"));
        assertEquals(expected, actual, "tokenizer.json converted from tok512.bin");
        assertEquals(shared.config().toString(), imported.config().toString());
    }

    @Test
    void writtenFolderTokenizesTheTextLikeTheSharedOne() throws Exception {
        ModelFolder.write(Llama2cImporter.importModel(BIN, TOK), dir.resolve("converted"));
        String text = Files.readString(TinyModels.TINYSTORIES_TEXT).substring(0, 20_000);
        LlamaConfig config = ModelFolder.readConfig(dir.resolve("converted"));
        try (Tokenizer converted = Tokenizer.load(dir.resolve("converted"), config);
                Tokenizer shared = Tokenizer.load(TinyModels.STORIES, config)) {
            assertArrayEquals(shared.encodeWithBos(text), converted.encodeWithBos(text));
        }
    }

    @Test
    void qkRowsMoveFromInterleavedPairsToHalves() {
        // one head of size 4 over 1 input: rows (0,1) and (2,3) rotate together in llama2.c, rows (0,2), (1,3) in HF
        float[] interleaved = {10, 11, 20, 21};
        assertArrayEquals(new float[] {10, 20, 11, 21}, Llama2cImporter.interleavedToHalves(interleaved, 1, 4, 1));
    }

    @Test
    void truncatedCheckpoint() throws Exception {
        byte[] bytes = Files.readAllBytes(BIN);
        Path cut = Files.write(dir.resolve("cut.bin"), Arrays.copyOf(bytes, bytes.length - 1000));
        StrataException e = assertThrows(StrataException.class, () -> Llama2cImporter.importModel(cut, TOK));
        assertEquals(cut + ": file has 1055540 bytes but the header (dim=64, hidden_dim=172, n_layers=5, n_heads=8, "
                + "n_kv_heads=4, vocab_size=512, seq_len=512) implies 1056540 (truncated?)", e.getMessage());
    }

    @Test
    void versionedExportsAndNonsenseHeaders() throws Exception {
        ByteBuffer v2 = ByteBuffer.allocate(256).order(ByteOrder.LITTLE_ENDIAN).putInt(0x616b3432).putInt(2);
        Path versioned = Files.write(dir.resolve("v2.bin"), v2.array());
        assertEquals(versioned + ": llama2.c export version 2 is not supported (only the legacy version 0 format)",
                assertThrows(StrataException.class, () -> Llama2cImporter.importModel(versioned, TOK)).getMessage());
        ByteBuffer junk = ByteBuffer.allocate(28).order(ByteOrder.LITTLE_ENDIAN);
        for (int v : new int[] {64, 172, 5, 7, 4, 512, 512}) {
            junk.putInt(v);
        }
        Path bad = Files.write(dir.resolve("bad.bin"), junk.array());
        assertEquals(bad + ": not a llama2.c checkpoint: header (dim=64, hidden_dim=172, n_layers=5, n_heads=7, "
                + "n_kv_heads=4, vocab_size=512, seq_len=512) needs positive sizes, dim divisible by n_heads, n_heads by "
                + "n_kv_heads, and an even head size",
                assertThrows(StrataException.class, () -> Llama2cImporter.importModel(bad, TOK)).getMessage());
        Path tiny = Files.write(dir.resolve("tiny.bin"), new byte[10]);
        assertEquals(tiny + ": file is 10 bytes, too short for a llama2.c header",
                assertThrows(StrataException.class, () -> Llama2cImporter.importModel(tiny, TOK)).getMessage());
    }

    @Test
    void tokenizerOfAnotherModel() throws Exception {
        byte[] bytes = Files.readAllBytes(TOK);
        Path cut = Files.write(dir.resolve("tok.bin"), Arrays.copyOf(bytes, bytes.length / 2));
        StrataException e = assertThrows(StrataException.class, () -> Llama2cImporter.importModel(BIN, cut));
        assertTrue(e.getMessage().startsWith(cut + ": file ends at token "), e.getMessage());
        assertTrue(e.getMessage().endsWith(" but the model has 512 tokens (truncated, or the tokenizer of another model)"));
    }
}
