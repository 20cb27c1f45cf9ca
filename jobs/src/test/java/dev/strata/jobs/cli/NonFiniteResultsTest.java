package dev.strata.jobs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.pipeline.model.Checkpoint;
import dev.strata.pipeline.model.ModelFolder;
import dev.strata.pipeline.model.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Finite weights whose activations overflow (layer 2's MLP scaled by 1e19: its output passes float's largest value)
 * give an error naming the layer where the hidden states stop being finite, never a NaN score or perplexity.
 */
class NonFiniteResultsTest {
    @TempDir
    Path dir;

    @Test
    void scoresAndPerplexityNameWhereTheModelStopsBeingFinite() throws Exception {
        Checkpoint original = ModelFolder.read(CliRun.STORIES);
        Map<String, Tensor> tensors = new LinkedHashMap<>(original.tensors());
        for (String part : new String[] {"gate_proj", "up_proj", "down_proj"}) {
            String name = "model.layers.2.mlp." + part + ".weight";
            Tensor t = tensors.get(name);
            float[] values = t.toFloatArray();
            for (int i = 0; i < values.length; i++) {
                values[i] *= 1e19f;
            }
            tensors.put(name, Tensor.of(name, t.dtype(), t.shape(), values));
        }
        Path model = dir.resolve("overflowing");
        ModelFolder.write(new Checkpoint(original.config(), tensors, original.assets()), model);

        Path data = Files.writeString(dir.resolve("in.txt"), Files.readString(CliRun.TINYSTORIES).substring(0, 20_000));
        CliRun calibrate = CliRun.of("calibrate", "--model", model.toString(), "--data", data.toString(), "--out",
                dir.resolve("run").toString(), "--seq-len", "64", "--samples", "8", "--master", "local[1]");
        assertEquals(1, calibrate.exitCode(), calibrate.err());
        assertTrue(calibrate.lastErrLine().matches("strata: error: \\S*overflowing: the hidden states stop being finite "
                + "at layer 2 \\([a-z_]+ of layer [23] is (NaN|-?Infinity); weights too large for the compute "
                + "precision\\?\\)"), calibrate.lastErrLine());
        assertTrue(!Files.exists(dir.resolve("run/scores/original")), "non-finite scores were written");

        CliRun ppl = CliRun.of("ppl", "--model", model.toString(), "--data", data.toString(), "--seq-len", "64");
        assertEquals(1, ppl.exitCode(), ppl.err());
        assertTrue(ppl.lastErrLine().matches("strata: error: \\S*overflowing\\S*: the log-likelihood of window 0 is "
                + "\\S+; the model's outputs are not finite"), ppl.lastErrLine());
    }
}
