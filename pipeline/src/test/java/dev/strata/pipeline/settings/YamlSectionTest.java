package dev.strata.pipeline.settings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.strata.pipeline.StrataException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** YAML that Jackson would read into another recipe than the one written is refused, naming the file and line. */
class YamlSectionTest {
    @TempDir
    Path dir;

    private Path write(String text) throws Exception {
        Path file = dir.resolve("recipe.yaml");
        Files.writeString(file, text);
        return file;
    }

    private void assertRefused(String text, String message) throws Exception {
        Path file = write(text);
        StrataException ex = assertThrows(StrataException.class, () -> YamlSection.read(file));
        assertEquals(file + ": " + message, ex.getMessage());
    }

    @Test
    void aDuplicateKeyIsRefusedWithItsFullKeyAtAnyDepth() throws Exception {
        assertRefused("model: a\nout: o\nmodel: b\n", "duplicate key 'model' (line 3)");
        assertRefused("model: m\nevaluate:\n  tasks: [x]\n  limit: 5\n  limit: 7\n",
                "duplicate key 'evaluate.limit' (line 5)");
        assertRefused("methods:\n  - come: {layers: 1}\n  - replaceme:\n      training: {steps: 1, steps: 2}\n",
                "duplicate key 'methods.replaceme.training.steps' (line 4)");
    }

    @Test
    void theSameKeyInDifferentMappingsIsNoDuplicate() throws Exception {
        YamlSection root = YamlSection.read(write("a: {x: 1}\nb: {x: 2}\nlist: [{x: 1}, {x: 2}]\n"));
        assertEquals("1", root.section("a").string("x", null));
        assertEquals("2", root.section("b").string("x", null));
    }

    @Test
    void aliasesAreRefused() throws Exception {
        assertRefused("base: &m models/x\nmodel: *m\n",
                "aliases (*m) are not supported in recipes (line 2); write the value out");
        assertRefused("defaults: &d {limit: 5}\nevaluate:\n  <<: *d\n",
                "aliases (*d) are not supported in recipes (line 3); write the value out");
    }

    @Test
    void aSecondDocumentIsRefused() throws Exception {
        assertRefused("model: a\n---\nmodel: b\n", "a second document starts at line 3; a recipe is one document");
    }
}
