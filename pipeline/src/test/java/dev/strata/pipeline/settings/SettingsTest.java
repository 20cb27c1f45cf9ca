package dev.strata.pipeline.settings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.pipeline.StrataException;
import dev.strata.pipeline.compress.PairMetric;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One declaration, two sources: a setting reads the same value from a recipe mapping and from its flag, takes the
 * same default, and is refused with the same problem, named as each source names it.
 */
class SettingsTest {
    static final Param<Integer> COUNT = Param.integer("count", 3, "How many.").check(Param.atLeast(1));
    static final Param<Double> RATE = Param.number("training.learning_rate", 2e-4, "Rate.").flag("--lr")
            .check(Param.positive());
    static final Param<Boolean> QUIET = Param.bool("quiet", "Say less.");
    static final Param<PairMetric> METRIC = Param.choice("pair_metric", PairMetric.values(), PairMetric.ANGULAR, "Which.");
    static final Param<List<Integer>> LAYERS = Param.integers("layers", null, "Layers.");
    static final Param<String> PATH = Param.text("data", null, "Where.").required();
    static final Params PARAMS = Params.of(COUNT, RATE, QUIET, METRIC, LAYERS, PATH);

    @TempDir
    Path dir;

    private YamlSection yaml(String text) throws Exception {
        Path file = dir.resolve("r.yaml");
        Files.writeString(file, text);
        return YamlSection.read(file);
    }

    @Test
    void aRecipeAndTheCommandLineGiveTheSameValues() throws Exception {
        YamlSection section = yaml("count: 5\ntraining: {learning_rate: 1e-3}\nquiet: true\npair_metric: ppl-drop\n"
                + "layers: [2, 1]\ndata: d.txt\n");
        Settings fromYaml = Settings.fromYaml(PARAMS, section);
        section.finish();
        Settings fromFlags = Settings.fromFlags(PARAMS, Map.of("--count", "5", "--lr", "1e-3", "--quiet", "true",
                "--pair-metric", "ppl-drop", "--layers", "2,1", "--data", "d.txt"));
        for (Settings s : List.of(fromYaml, fromFlags)) {
            assertEquals(5, s.get(COUNT));
            assertEquals(1e-3, s.get(RATE));
            assertTrue(s.get(QUIET));
            assertEquals(PairMetric.PPL_DROP, s.get(METRIC));
            assertEquals(List.of(2, 1), s.get(LAYERS));
        }
        assertEquals(fromYaml.toJson(), fromFlags.toJson());
        assertEquals("{\"count\":5,\"training.learning_rate\":0.001,\"quiet\":true,\"pair_metric\":\"ppl-drop\","
                + "\"layers\":[2,1],\"data\":\"d.txt\"}", fromYaml.toJson().toString());
    }

    @Test
    void absentSettingsTakeTheirDefaults() throws Exception {
        YamlSection section = yaml("data: d.txt\n");
        Settings fromYaml = Settings.fromYaml(PARAMS, section);
        Settings fromFlags = Settings.fromFlags(PARAMS, Map.of("--data", "d.txt"));
        for (Settings s : List.of(fromYaml, fromFlags)) {
            assertEquals(3, s.get(COUNT));
            assertEquals(2e-4, s.get(RATE));
            assertFalse(s.get(QUIET));
            assertEquals(PairMetric.ANGULAR, s.get(METRIC));
            assertNull(s.get(LAYERS));
        }
        assertEquals("0.0002", RATE.shownDefault());
        assertEquals("--count", COUNT.flag());
        assertEquals("--pair-metric", METRIC.flag());
        assertEquals(1, Settings.fromFlags(PARAMS, Map.of("--data", "x", "--layers", "1")).get(LAYERS).size());
    }

    @Test
    void mistakesAreNamedAsTheirSourceNamesThem() throws Exception {
        assertYaml("count: 0\ndata: d\n", "'count' must be at least 1, got 0");
        assertFlags(Map.of("--count", "0", "--data", "d"), "--count must be at least 1, got 0");
        assertYaml("count: two\ndata: d\n", "'count' must be an integer, got \"two\"");
        assertFlags(Map.of("--count", "two", "--data", "d"), "--count must be an integer, got 'two'");
        assertYaml("training: {learning_rate: -1}\ndata: d\n", "'training.learning_rate' must be > 0, got -1.0");
        assertFlags(Map.of("--lr", "-1", "--data", "d"), "--lr must be > 0, got -1.0");
        assertYaml("pair_metric: cosine\ndata: d\n",
                "'pair_metric' 'cosine' is not known (expected one of angular, bi, ppl-drop)");
        assertFlags(Map.of("--pair-metric", "cosine", "--data", "d"),
                "--pair-metric 'cosine' is not known (expected one of angular, bi, ppl-drop)");
        assertYaml("quiet: maybe\ndata: d\n", "'quiet' must be true or false, got \"maybe\"");
        assertYaml("layers: [1, x]\ndata: d\n", "'layers' must be an integer, got \"x\"");
        assertFlags(Map.of("--layers", "1,x", "--data", "d"), "--layers must be an integer, got 'x'");
        assertYaml("training: 4\ndata: d\n", "'training' must be a mapping of keys, got 4");
        assertYaml("count: 2\n", "missing key 'data'");
        assertFlags(Map.of(), "missing --data");
        StrataException unknown = assertThrows(StrataException.class, () -> {
            YamlSection section = yaml("data: d\ntraining: {lr: 1}\n");
            Settings.fromYaml(PARAMS, section);
            section.finish();
        });
        assertEquals(dir.resolve("r.yaml") + ": unknown key 'training.lr' (expected one of: learning_rate)",
                unknown.getMessage());
        Settings s = Settings.fromFlags(PARAMS, Map.of("--data", "d"));
        assertEquals("--lr 5 is too much", s.invalid(RATE, "5 is too much").getMessage());
        YamlSection section = yaml("data: d\n");
        assertEquals(dir.resolve("r.yaml") + ": 'training.learning_rate' 5 is too much",
                Settings.fromYaml(PARAMS, section).invalid(RATE, "5 is too much").getMessage());
    }

    private void assertYaml(String text, String message) {
        StrataException ex = assertThrows(StrataException.class, () -> Settings.fromYaml(PARAMS, yaml(text)));
        assertEquals(dir.resolve("r.yaml") + ": " + message, ex.getMessage());
    }

    private void assertFlags(Map<String, String> flags, String message) {
        StrataException ex = assertThrows(StrataException.class, () -> Settings.fromFlags(PARAMS, flags));
        assertEquals(message, ex.getMessage());
    }
}
