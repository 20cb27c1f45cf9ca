package dev.strata.pipeline.tokenize;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.pipeline.StrataException;
import dev.strata.pipeline.model.ModelFolder;
import dev.strata.pipeline.testing.Llama2cReferenceTokenizer;
import dev.strata.pipeline.testing.TinyModels;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenizerTest {
    private static Tokenizer shared() {
        return Tokenizer.load(TinyModels.STORIES, ModelFolder.readConfig(TinyModels.STORIES));
    }

    @Test
    void wholeTinyStoriesFileGivesLlama2cIds() throws Exception {
        String text = Files.readString(TinyModels.TINYSTORIES_TEXT);
        Llama2cReferenceTokenizer reference = new Llama2cReferenceTokenizer(
                TinyModels.STORIES_LLAMA2C.resolve("tok512.bin"), 512);
        try (Tokenizer tokenizer = shared()) {
            int[] ids = tokenizer.encode(text);
            assertTrue(ids.length > 200_000, "whole file encoded, got " + ids.length + " tokens");
            assertArrayEquals(reference.encode(text), ids);
        }
    }

    @Test
    void byteFallbackSpacesAndUnicodeGiveLlama2cIds() throws Exception {
        Llama2cReferenceTokenizer reference = new Llama2cReferenceTokenizer(
                TinyModels.STORIES_LLAMA2C.resolve("tok512.bin"), 512);
        String[] samples = {"Hello  world", "  leading spaces", "tabs\tand\nnewlines\n\n", "café – naïve “quotes”",
            "emoji 🙂 and 漢字", "x", "12345 + 678 = ?"};
        try (Tokenizer tokenizer = shared()) {
            for (String s : samples) {
                assertArrayEquals(reference.encode(s), tokenizer.encode(s), s);
            }
        }
    }

    @Test
    void bosIsPrependedAndDecodeInverts() {
        try (Tokenizer tokenizer = shared()) {
            int[] ids = tokenizer.encodeWithBos("Once upon a time");
            assertEquals(1, ids[0]);
            assertEquals("Once upon a time", tokenizer.decode(ids));
        }
    }

    @Test
    void missingTokenizerFileIsClearError(@TempDir Path dir) {
        StrataException e = assertThrows(StrataException.class,
                () -> Tokenizer.load(dir, ModelFolder.readConfig(TinyModels.STORIES)));
        assertEquals(dir.resolve("tokenizer.json") + ": file does not exist (Strata needs the Hugging Face tokenizer.json)",
                e.getMessage());
    }

    @Test
    void corruptTokenizerFileIsClearError(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("tokenizer.json"), "{ not json");
        StrataException e = assertThrows(StrataException.class,
                () -> Tokenizer.load(dir, ModelFolder.readConfig(TinyModels.STORIES)));
        assertTrue(e.getMessage().startsWith(dir.resolve("tokenizer.json") + ": cannot load tokenizer: "), e.getMessage());
    }

    @Test
    void aFolderInPlaceOfTheTokenizerFilesCannotBeRead(@TempDir Path dir) throws Exception {
        Files.createDirectory(dir.resolve("tokenizer.json"));
        assertEquals(dir.resolve("tokenizer.json") + ": cannot read: not a regular file", loadError(dir));

        Path model = dir.resolve("model");
        Files.createDirectories(model.resolve("tokenizer_config.json"));
        Files.copy(TinyModels.STORIES.resolve("tokenizer.json"), model.resolve("tokenizer.json"));
        assertEquals(model.resolve("tokenizer_config.json") + ": cannot read: not a regular file", loadError(model));
    }

    @Test
    void malformedTokenizerConfigIsNotValidJson(@TempDir Path dir) throws Exception {
        Files.copy(TinyModels.STORIES.resolve("tokenizer.json"), dir.resolve("tokenizer.json"));
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"add_bos_token\": tru");
        assertTrue(loadError(dir).startsWith(dir.resolve("tokenizer_config.json") + ": not valid JSON: "), loadError(dir));
    }

    private static String loadError(Path dir) {
        return assertThrows(StrataException.class, () -> Tokenizer.load(dir, ModelFolder.readConfig(TinyModels.STORIES)))
                .getMessage();
    }
}
