package dev.strata.jobs.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.strata.jobs.spark.StreamlineJob;
import dev.strata.pipeline.forward.LlamaModel;
import dev.strata.pipeline.model.Checkpoint;
import dev.strata.pipeline.model.LlamaLayout.LayerTensor;
import dev.strata.pipeline.model.ModelFolder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * strata prune streamline on the shared model: the block removed is the argmax of the block cosine the run wrote,
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
        JsonNode blocks = JSON.readTree(out.resolve("scores/step-000/summary.json").toFile()).get("block_scores");
        int expected = -1;
        double best = Double.NEGATIVE_INFINITY;
        for (JsonNode b : blocks) {
            if (b.get("length").asInt() == 2 && b.get("cosine").asDouble() > best) {
                best = b.get("cosine").asDouble();
                expected = b.get("start").asInt();
            }
        }
        JsonNode stages = JSON.readTree(out.resolve("run.json").toFile()).get("stages");
        int start = stages.path("prune").path("start").asInt(-1);
        assertEquals(expected, start, blocks.toString());
        JsonNode plan = JSON.readTree(out.resolve("models/final/" + StreamlineJob.PLAN).toFile());
        assertEquals(start, plan.get("start").asInt());
        assertEquals("ffn", plan.get("replacement").asText());

        // training lowered the hidden-state MSE
        JsonNode train = stages.get("train");
        assertTrue(train.get("last_epoch_loss").asDouble() < train.get("first_loss").asDouble(), train.toString());
        assertEquals(24, train.get("steps").asInt()); // 48 windows in steps of 4, 2 epochs

        // the folder: 4 layers, the original's outside the block, the FFN's attention zero
        Checkpoint original = ModelFolder.read(CliRun.STORIES);
        Checkpoint result = ModelFolder.read(out.resolve("models/final"));
        assertEquals(4, result.config().numLayers());
        for (int l = 0; l < 4; l++) {
            int from = l < start ? l : l + 1;
            for (LayerTensor t : LayerTensor.values()) {
                float[] got = result.tensor(t.name(l)).toFloatArray();
                if (l != start) {
                    assertArrayEquals(original.tensor(t.name(from)).toFloatArray(), got, t.name(l));
                } else if (t.name(l).contains("self_attn")) {
                    assertArrayEquals(new float[got.length], got, t.name(l) + " of the FFN replacement");
                }
            }
        }
        // reloaded, it gives the logits the trained model gave before export
        try (LlamaModel reloaded = LlamaModel.load(out.resolve("models/final"), Device.cpu());
                NDManager scope = reloaded.newScope()) {
            long[] tokens = StreamlineJob.probeTokens(reloaded.config().vocabSize());
            float[] logits = reloaded.logits(reloaded.tokens(scope, new long[][] {tokens})).get(0, tokens.length - 1)
                    .toFloatArray();
            JsonNode probe = train.get("probe_logits");
            assertEquals(64, probe.size());
            for (int i = 0; i < probe.size(); i++) {
                assertEquals(probe.get(i).floatValue(), logits[i], 1e-5f * Math.max(1, Math.abs(logits[i])), "logit " + i);
            }
        }

        CliRun again = CliRun.of(streamline(out, "--layers", "2", "--replacement", "ffn"));
        assertEquals(0, again.exitCode(), again.err());
        for (String reused : new String[] {"scores: reusing", "prune: reusing", "train: reusing"}) {
            assertTrue(again.err().contains(reused), reused + " missing in " + again.err());
        }
    }

    @Test
    void theUntrainedPruneRemovesTheBlockAndReusesGivenScores() throws Exception {
        Path first = dir.resolve("first");
        CliRun scored = CliRun.of(streamline(first, "--layers", "1", "--replacement", "none"));
        assertEquals(0, scored.exitCode(), scored.err());
        assertEquals(4, ModelFolder.readConfig(first.resolve("models/pruned")).numLayers());
        assertFalse(Files.exists(first.resolve("models/final")), "nothing was trained");

        // a second run chooses its block of 2 from the first run's tables, without scoring again
        Path second = dir.resolve("second");
        CliRun reused = CliRun.of(streamline(second, "--layers", "2", "--replacement", "none", "--scores",
                first.resolve("scores/step-000").toString()));
        assertEquals(0, reused.exitCode(), reused.err());
        assertFalse(Files.exists(second.resolve("scores")), "the second run scored again");
        assertEquals(3, ModelFolder.readConfig(second.resolve("models/pruned")).numLayers());

        // scores of another model are refused
        CliRun foreign = CliRun.of("prune", "streamline", "--model", second.resolve("models/pruned").toString(),
                "--data", CliRun.TINYSTORIES.toString(), "--out", dir.resolve("third").toString(), "--seq-len", "128",
                "--samples", "16", "--layers", "1", "--replacement", "none", "--scores", first.toString(),
                "--master", "local[1]");
        assertEquals(1, foreign.exitCode());
        assertEquals("strata: error: " + first + ": the scores are of file:" + CliRun.STORIES + ", not of file:"
                + second.resolve("models/pruned"), foreign.lastErrLine());
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
        assertTrue(params.lastErrLine().startsWith("strata: error: --target-params 0.1 cannot be met with the "
                + "replacement layer: replacing 4 of 5 layers keeps 0."), params.lastErrLine());
        CliRun both = CliRun.of(streamline(out, "--layers", "1", "--target-params", "0.5"));
        assertEquals(2, both.exitCode());
        assertFalse(Files.exists(out), "a refused run wrote its folder");
        String help = CliRun.of("prune", "--help").out().replaceAll("\\s+", " ");
        assertTrue(help.contains("strata prune streamline --help"), help);
    }
}
