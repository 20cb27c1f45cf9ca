package dev.strata.jobs.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.strata.pipeline.compress.CompressionMethod;
import dev.strata.pipeline.compress.LayerOrigin;
import dev.strata.pipeline.compress.Methods;
import dev.strata.pipeline.compress.Plan;
import dev.strata.pipeline.model.Checkpoint;
import dev.strata.pipeline.model.LlamaLayout.LayerTensor;
import dev.strata.pipeline.model.ModelFolder;
import dev.strata.pipeline.settings.Param;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * strata compress and strata methods, driven by the registry: every method is listed with its options and runs from
 * the command line; methods share one run folder (its windows and scores), and a method's settings cannot change
 * under its finished models. ReplaceMe on the shared model: the folded layer is the only one that changes.
 */
class CompressCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private static String[] compress(String method, Path out, String... more) {
        List<String> args = new ArrayList<>(List.of("compress", method, "--model", CliRun.STORIES.toString(), "--data",
                CliRun.TINYSTORIES.toString(), "--out", out.toString(), "--seq-len", "128", "--samples", "24",
                "--batch", "8", "--master", "local[2]"));
        args.addAll(Arrays.asList(more));
        return args.toArray(String[]::new);
    }

    @Test
    void everyRegisteredMethodIsListedWithItsOptions() {
        CliRun methods = CliRun.of("methods");
        assertEquals(0, methods.exitCode(), methods.err());
        for (CompressionMethod m : Methods.all()) {
            assertTrue(methods.out().contains(m.name() + ": " + m.summary()), m.name() + " missing: " + methods.out());
            CliRun help = CliRun.of("compress", m.name(), "--help");
            assertEquals(0, help.exitCode(), help.err());
            for (Param<?> p : m.params()) {
                String negated = p.negatedFlag() == null ? "" : ", " + p.negatedFlag();
                assertTrue(methods.out().contains(p.flag() + negated + (p.isSwitch() ? "" : " " + p.label()) + " ("
                        + p.key() + ")"), p.key() + " of " + m.name() + " missing: " + methods.out());
                String shown = p.negatedFlag() == null ? p.flag() : "--[no-]" + p.flag().substring(2);
                assertTrue(help.out().contains(shown), shown + " missing in the help of " + m.name());
            }
        }
        assertEquals("strata: error: METHOD 'nope' is not a method (expected one of come, bi, ppl-drop, streamline, "
                + "replaceme, tailor)", CliRun.of("methods", "nope").lastErrLine());
    }

    @Test
    void replaceMeFoldsTheMapIntoTheLayerBeforeTheBlockAndMethodsShareTheRun() throws Exception {
        Path out = dir.resolve("run");
        CliRun run = CliRun.of(compress("replaceme", out, "--layers", "1"));
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().contains("replaceme 4L"), run.out());
        Path model = out.resolve("models/replaceme/4L");
        Plan plan = Plan.parse(Files.readString(model.resolve(Plan.FILE)), "plan.json");
        JsonNode step = plan.steps().get(0).parameters();
        int start = step.get("start").asInt();
        assertEquals(24 * 128, step.get("tokens").asInt(), "every calibration token");
        // the block is the highest block cosine among blocks with a layer before them, in the run's own scores
        JsonNode blocks = JSON.readTree(out.resolve("scores/original/summary.json").toFile()).get("block_scores");
        int expected = -1;
        double best = Double.NEGATIVE_INFINITY;
        for (JsonNode b : blocks) {
            if (b.get("length").asInt() == 1 && b.get("start").asInt() >= 1 && b.get("cosine").asDouble() > best) {
                best = b.get("cosine").asDouble();
                expected = b.get("start").asInt();
            }
        }
        assertEquals(expected, start);
        assertEquals(LayerOrigin.Kind.LINEAR_FOLD, plan.layers().get(start - 1).kind());
        assertEquals(List.of(start - 1, start), plan.layers().get(start - 1).originalLayers());
        // only the folded layer's down_proj differs from the original's
        Checkpoint original = ModelFolder.read(CliRun.STORIES);
        Checkpoint result = ModelFolder.read(model);
        assertEquals(4, result.config().numLayers());
        for (int l = 0; l < 4; l++) {
            int from = l < start ? l : l + 1;
            for (LayerTensor t : LayerTensor.of(original.config())) {
                float[] was = original.tensor(t.name(from)).toFloatArray();
                float[] is = result.tensor(t.name(l)).toFloatArray();
                if (l == start - 1 && t == LayerTensor.DOWN_PROJ) {
                    assertFalse(Arrays.equals(was, is), "the map was not folded in");
                } else {
                    assertArrayEquals(was, is, t.name(l));
                }
            }
        }

        // a second method in the same folder reuses its windows and the original's scores
        CliRun bi = CliRun.of(compress("bi", out, "--layers", "1,2"));
        assertEquals(0, bi.exitCode(), bi.err());
        assertTrue(bi.err().contains("scores/original: reusing"), bi.err());
        assertFalse(bi.err().contains("scores part"), "the original was scored again");
        assertEquals(3, ModelFolder.readConfig(out.resolve("models/bi/3L")).numLayers());
        // PPL-drop needs a pass the stored scores lack: the original is scored again, with it
        CliRun sleb = CliRun.of(compress("ppl-drop", out, "--layers", "1"));
        assertEquals(0, sleb.exitCode(), sleb.err());
        assertTrue(sleb.err().contains("scores part"), "the original was not scored again: " + sleb.err());
        JsonNode drops = JSON.readTree(out.resolve("scores/original/summary.json").toFile()).at("/layer_scores/ppl_drop");
        assertEquals(5, drops.size());
        int lowest = 0;
        for (int l = 1; l < 5; l++) {
            lowest = drops.get(l).asDouble() < drops.get(lowest).asDouble() ? l : lowest;
        }
        JsonNode removed = Plan.parse(Files.readString(out.resolve("models/ppl-drop/4L").resolve(Plan.FILE)), "plan.json")
                .steps().get(0).parameters().get("removed");
        assertEquals("[" + lowest + "]", removed.toString());
        // the run's inputs are its identity: another PPL-drop window count is another run
        CliRun other = CliRun.of(compress("ppl-drop", out, "--layers", "1", "--ppl-windows", "4"));
        assertEquals("strata: error: --out " + out + ": holds another run (ppl_windows unset there, 4 here); use another "
                + "--out or remove the folder", other.lastErrLine());

        CliRun again = CliRun.of(compress("replaceme", out, "--layers", "1"));
        assertEquals(0, again.exitCode(), again.err());
        assertTrue(again.err().contains("models/replaceme/4L: reusing"), again.err());
        CliRun changed = CliRun.of(compress("replaceme", out, "--layers", "1", "--ridge", "0.5"));
        assertEquals("strata: error: --out " + out + ": holds a replaceme run with other settings (ridge 0.0 there, "
                + "0.5 here); use another --out or remove the folder", changed.lastErrLine());
    }
}
