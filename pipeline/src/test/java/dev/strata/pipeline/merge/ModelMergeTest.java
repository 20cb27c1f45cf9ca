package dev.strata.pipeline.merge;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.strata.pipeline.StrataException;
import dev.strata.pipeline.bench.RandomWeights;
import dev.strata.pipeline.model.Checkpoint;
import dev.strata.pipeline.model.DType;
import dev.strata.pipeline.model.LlamaConfig;
import dev.strata.pipeline.model.LlamaLayout;
import dev.strata.pipeline.model.LlamaLayout.LayerTensor;
import dev.strata.pipeline.model.ModelFolder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Slices merged with a base-needing operator on two tiny random models: layer stacking, base lookup, refusals. */
class ModelMergeTest {
    private static final LlamaConfig TINY = LlamaConfig.builder().hiddenSize(8).intermediateSize(12).numLayers(2)
            .numHeads(2).numKvHeads(1).vocabSize(16).maxPositions(32).build();

    @TempDir
    Path dir;
    private Checkpoint a;
    private Checkpoint b;

    @BeforeEach
    void models() {
        a = RandomWeights.checkpoint(TINY, 1);
        b = RandomWeights.checkpoint(TINY, 2);
        ModelFolder.write(a, dir.resolve("a"));
        ModelFolder.write(b, dir.resolve("b"));
    }

    private MergeConfig config(String yaml) throws Exception {
        Path file = dir.resolve("m.yaml");
        Files.writeString(file, yaml);
        return MergeConfig.read(file);
    }

    @Test
    void slicesStackLayersEachMergedAgainstTheBasesSameLayer() throws Exception {
        // layers 0, 1, then layer 1 again: each a + 0.5 (b - a) of the same source layer; stored as bfloat16
        MergeConfig cfg = config("merge_method: task_arithmetic\nbase_model: a\nparameters: {lambda: 0.5}\n"
                + "dtype: bfloat16\nslices:\n"
                + "  - sources: [{model: a, layer_range: [0, 2]}, {model: b, layer_range: [0, 2]}]\n"
                + "  - sources: [{model: b, layer_range: [1, 2]}, {model: a, layer_range: [1, 2]}]\n");
        Checkpoint merged = Checkpoint.of(ModelMerge.run(cfg, dir.resolve("out")));
        assertEquals(3, merged.config().numLayers());
        assertEquals(DType.BF16, ModelFolder.readConfig(dir.resolve("out")).dtype());
        int[] from = {0, 1, 1};
        for (int layer = 0; layer < 3; layer++) {
            String out = LayerTensor.UP_PROJ.name(layer);
            float[] x = a.tensor(LayerTensor.UP_PROJ.name(from[layer])).toFloatArray();
            float[] y = b.tensor(LayerTensor.UP_PROJ.name(from[layer])).toFloatArray();
            float[] expected = new float[x.length];
            for (int i = 0; i < x.length; i++) {
                expected[i] = (float) (x[i] + 0.5 * ((double) y[i] - x[i]));
            }
            assertArrayEquals(expected, merged.tensor(out).toFloatArray(), 0f, out);
            assertEquals(DType.BF16, merged.tensor(out).dtype());
        }
        // embeddings and head are the base's
        assertArrayEquals(a.tensor(LlamaLayout.EMBED).toFloatArray(), merged.tensor(LlamaLayout.EMBED).toFloatArray());
        assertArrayEquals(a.tensor(LlamaLayout.LM_HEAD).toFloatArray(), merged.tensor(LlamaLayout.LM_HEAD).toFloatArray());
    }

    @Test
    void aSliceWithoutTheBaseOrPastTheLayersIsRefused() throws Exception {
        String file = dir.resolve("m.yaml").toString();
        StrataException noBase = assertThrows(StrataException.class, () -> config("merge_method: ties\n"
                + "base_model: a\nslices:\n  - sources: [{model: b, layer_range: [0, 1]}]\n"));
        assertEquals(file + ": 'slices[0].sources' must include base_model a (the base of ties for these layers)",
                noBase.getMessage());
        StrataException unequal = assertThrows(StrataException.class, () -> config("merge_method: linear\nslices:\n"
                + "  - sources: [{model: a, layer_range: [0, 2]}, {model: b, layer_range: [0, 1]}]\n"));
        assertEquals(file + ": 'slices[0].sources' have layer ranges of different lengths (2 and 1); a slice merges "
                + "layer for layer", unequal.getMessage());
        MergeConfig past = config("merge_method: passthrough\nslices:\n  - sources: [{model: b, layer_range: [1, 3]}]\n");
        StrataException ex = assertThrows(StrataException.class, () -> ModelMerge.run(past, dir.resolve("out")));
        assertEquals(file + ": 'slices[0].sources[0].layer_range' [1, 3] goes past the 2 layers of model 'b'",
                ex.getMessage());
        assertFalse(Files.exists(dir.resolve("out")));
    }
}
