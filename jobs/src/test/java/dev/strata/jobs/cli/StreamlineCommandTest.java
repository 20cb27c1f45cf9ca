package dev.strata.jobs.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.strata.pipeline.compress.LayerOrigin;
import dev.strata.pipeline.compress.Plan;
import dev.strata.pipeline.forward.LlamaModel;
import dev.strata.pipeline.model.Checkpoint;
import dev.strata.pipeline.model.LlamaLayout.LayerTensor;
import dev.strata.pipeline.model.ModelFolder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * strata prune streamline (compress streamline) on the shared model: the block removed is the argmax of the block cosine the run wrote,
 * the exported folder reloads with the trained model's logits, the training loss goes down, every layer outside the
 * block is the original's, a rerun reuses every stage, and bad options are one-line errors before Spark starts.
 */
class StreamlineCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private static String[] streamline(Path out, String... more) {
        List<String> args = new ArrayList<>(List.of("prune", "streamline", "--model", CliRun.STORIES.toString(), "--data",
                CliRun.TINYSTORIES.toString(), "--out", out.toString(), "--seq-len", "128", "--samples", "48",
                "--batch", "8", "--train-batch", "4", "--epochs", "2", "--lr", "2e-3", "--final-lr", "2e-4",
                "--master", "local[2]"));
        args.addAll(List.of(more));
        return args.toArray(String[]::new);
    }

    @Test
    void anFfnReplacesTheMostRedundantBlockAndTheExportReloadsWithItsLogits() throws Exception {
        Path out = dir.resolve("ffn");
        CliRun run = CliRun.of(streamline(out, "--layers", "2", "--replacement", "ffn"));
        assertEquals(0, run.exitCode(), run.err());

        // the block: the highest cosine among the blocks of 2 layers in the run's own scores
        JsonNode blocks = JSON.readTree(out.resolve("scores/original/summary.json").toFile()).get("block_scores");
        int expected = -1;
        double best = Double.NEGATIVE_INFINITY;
        for (JsonNode b : blocks) {
            if (b.get("length").asInt() == 2 && b.get("cosine").asDouble() > best) {
                best = b.get("cosine").asDouble();
                expected = b.get("start").asInt();
            }
        }
        Path trained = out.resolve("models/streamline/ffn-2");
        Plan plan = Plan.parse(Files.readString(trained.resolve(Plan.FILE)), "plan.json");
        JsonNode block = plan.steps().get(0).parameters();
        int start = block.get("start").asInt(-1);
        assertEquals(expected, start, blocks.toString());
        assertEquals("ffn", block.get("replacement").asText());
        assertEquals(LayerOrigin.Kind.REPLACEMENT_FFN, plan.layers().get(start).kind());
        assertEquals(List.of(start, start + 1), plan.layers().get(start).originalLayers());
        assertEquals("streamline", plan.steps().get(1).method());

        // training lowered the hidden-state MSE
        JsonNode stages = JSON.readTree(out.resolve("run.json").toFile()).get("stages");
        JsonNode train = stages.get("models/streamline/ffn-2").get("tasks").get(0);
        assertEquals("train ffn for layers " + start + ".." + (start + 1) + " (mse)", train.get("task").asText());
        assertTrue(train.get("last_epoch_loss").asDouble() < train.get("first_loss").asDouble(), train.toString());
        assertEquals(24, train.get("steps").asInt()); // 48 windows in steps of 4, 2 epochs

        // the folder: 4 layers, the original's outside the block, the FFN's attention zero
        Checkpoint original = ModelFolder.read(CliRun.STORIES);
        Checkpoint result = ModelFolder.read(trained);
        assertEquals(4, result.config().numLayers());
        for (int l = 0; l < 4; l++) {
            int from = l < start ? l : l + 1;
            for (LayerTensor t : LayerTensor.of(original.config())) {
                float[] got = result.tensor(t.name(l)).toFloatArray();
                if (l != start) {
                    assertArrayEquals(original.tensor(t.name(from)).toFloatArray(), got, t.name(l));
                } else if (t.name(l).contains("self_attn")) {
                    assertArrayEquals(new float[got.length], got, t.name(l) + " of the FFN replacement");
                }
            }
        }
        // reloaded, it gives the logits the trained model gave before export
        try (LlamaModel reloaded = LlamaModel.load(trained, Device.cpu());
                NDManager scope = reloaded.newScope()) {
            long[] tokens = LongStream.range(0, 32).map(i -> (7 * i + 1) % reloaded.config().vocabSize()).toArray();
            float[] logits = reloaded.logits(reloaded.tokens(scope, new long[][] {tokens})).get(0, tokens.length - 1)
                    .toFloatArray();
            JsonNode probe = stages.get("models/streamline/ffn-2").get("probe_logits");
            assertEquals(64, probe.size());
            for (int i = 0; i < probe.size(); i++) {
                assertEquals(probe.get(i).floatValue(), logits[i], 1e-5f * Math.max(1, Math.abs(logits[i])), "logit " + i);
            }
        }

        CliRun again = CliRun.of(streamline(out, "--layers", "2", "--replacement", "ffn"));
        assertEquals(0, again.exitCode(), again.err());
        for (String reused : new String[] {"scores/original: reusing", "models/streamline/ffn-2-init: reusing",
            "models/streamline/ffn-2: reusing"}) {
            assertTrue(again.err().contains(reused), reused + " missing in " + again.err());
        }
    }

    @Test
    void theUntrainedPruneRemovesTheBlockAndReusesGivenScores() throws Exception {
        Path first = dir.resolve("first");
        CliRun scored = CliRun.of(streamline(first, "--layers", "1", "--replacement", "none"));
        assertEquals(0, scored.exitCode(), scored.err());
        assertEquals(4, ModelFolder.readConfig(first.resolve("models/streamline/none-1")).numLayers());
        try (var models = Files.list(first.resolve("models/streamline"))) {
            assertEquals(List.of("none-1"), models.map(p -> p.getFileName().toString()).toList(), "nothing was trained");
        }

        // a second run chooses its block of 2 from the first run's tables, without scoring again
        Path second = dir.resolve("second");
        CliRun reused = CliRun.of(streamline(second, "--layers", "2", "--replacement", "none", "--scores",
                first.toString()));
        assertEquals(0, reused.exitCode(), reused.err());
        assertFalse(Files.exists(second.resolve("scores")), "the second run scored again");
        assertEquals(3, ModelFolder.readConfig(second.resolve("models/streamline/none-2")).numLayers());

        // scores of another model are refused
        CliRun foreign = CliRun.of("prune", "streamline", "--model", second.resolve("models/streamline/none-2").toString(),
                "--data", CliRun.TINYSTORIES.toString(), "--out", dir.resolve("third").toString(), "--seq-len", "128",
                "--samples", "16", "--layers", "1", "--replacement", "none", "--scores", first.toString(),
                "--master", "local[1]");
        assertEquals(1, foreign.exitCode());
        assertEquals("strata: error: " + first.resolve("scores/original") + ": the scores are of file:" + CliRun.STORIES
                + ", not of file:" + second.resolve("models/streamline/none-2"), foreign.lastErrLine());
    }

    @Test
    void badOptionsAreOneLineErrorsBeforeAnythingIsWritten() {
        Path out = dir.resolve("bad");
        CliRun tooMany = CliRun.of(streamline(out, "--layers", "5"));
        assertEquals(1, tooMany.exitCode());
        assertEquals("strata: error: --layers 5 must lie in 1..4 (the model has 5 layers, and at least one must stay)",
                tooMany.lastErrLine());
        CliRun unknown = CliRun.of(streamline(out, "--layers", "1", "--replacement", "mlp"));
        assertEquals("strata: error: --replacement 'mlp' is not known (expected one of layer, ffn, none)",
                unknown.lastErrLine());
        CliRun loss = CliRun.of(streamline(out, "--layers", "1", "--loss", "kl"));
        assertEquals("strata: error: --loss 'kl' is not known (expected one of mse, lm)", loss.lastErrLine());
        CliRun params = CliRun.of(streamline(out, "--target-params", "0.1"));
        assertTrue(params.lastErrLine().startsWith("strata: error: --target-params 0.1 cannot be met: removing 4 of 5 "
                + "layers keeps 0."), params.lastErrLine());
        CliRun both = CliRun.of(streamline(out, "--layers", "1", "--target-params", "0.5"));
        assertEquals("strata: error: --layers or --target-params: give exactly one of them", both.lastErrLine());
        CliRun unknownOption = CliRun.of(streamline(out, "--layers", "1", "--pair-metric", "bi"));
        assertEquals(2, unknownOption.exitCode(), "--pair-metric is CoMe's, not Streamline's");
        assertFalse(Files.exists(out), "a refused run wrote its folder");
        String help = CliRun.of("compress", "--help").out().replaceAll("\\s+", " ");
        for (String method : new String[] {"come", "bi", "ppl-drop", "streamline", "replaceme"}) {
            assertTrue(help.contains(" " + method + " "), method + " missing in " + help);
        }
    }
}
