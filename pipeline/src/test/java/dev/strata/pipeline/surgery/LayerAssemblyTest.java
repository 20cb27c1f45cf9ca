package dev.strata.pipeline.surgery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.pipeline.StrataException;
import dev.strata.pipeline.model.Checkpoint;
import dev.strata.pipeline.model.DType;
import dev.strata.pipeline.model.LlamaLayout;
import dev.strata.pipeline.model.LlamaLayout.LayerTensor;
import dev.strata.pipeline.model.ModelFolder;
import dev.strata.pipeline.model.ModelWeights;
import dev.strata.pipeline.model.StoredWeights;
import dev.strata.pipeline.model.Tensor;
import dev.strata.pipeline.testing.TinyModels;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pruning, replacing a block and merging a pair of a model in its files write, tensor by tensor, exactly the source's
 * stored values under the new layer numbers, and the made layer where it goes; nothing is loaded to do it.
 */
class LayerAssemblyTest {
    @TempDir
    Path tmp;

    @Test
    void aStoredModelIsPrunedAndMergedByStreamingItsTensorsUnderNewNames() {
        Path dir = tmp.resolve("source");
        ModelFolder.write(TinyModels.random(TinyModels.config(4, 2, false), 8, DType.BF16), dir, 30_000);
        Checkpoint source = ModelFolder.read(dir); // as stored: rounded to bf16
        StoredWeights stored = ModelFolder.open(dir);

        Path pruned = tmp.resolve("pruned");
        ModelFolder.write(LayerSurgery.remove(stored, List.of(0, 2)), pruned, 30_000);
        Checkpoint p = ModelFolder.read(pruned);
        assertEquals(2, p.config().numLayers());
        assertLayerIs(p, 0, source, 1);
        assertLayerIs(p, 1, source, 3);
        assertSame(p, source, LlamaLayout.EMBED, LlamaLayout.EMBED);
        assertSame(p, source, LlamaLayout.LM_HEAD, LlamaLayout.LM_HEAD);
        assertSame(p, source, LlamaLayout.FINAL_NORM, LlamaLayout.FINAL_NORM);

        LayerWeights made = LayerWeights.of(source, 3);
        Path merged = tmp.resolve("merged");
        ModelWeights view = LayerSurgery.replacePair(stored, 1, made);
        ModelFolder.write(view, merged);
        Checkpoint m = ModelFolder.read(merged);
        assertEquals(3, m.config().numLayers());
        assertLayerIs(m, 0, source, 0);
        assertLayerIs(m, 1, source, 3);
        assertLayerIs(m, 2, source, 3);
        for (String name : m.names()) {
            assertTrue(Checkpoint.of(view).tensor(name).buffer().equals(m.tensor(name).buffer()), name);
        }

        ModelWeights block = LayerSurgery.replaceBlock(stored, 1, 3, null);
        assertEquals(1, block.config().numLayers());
        assertEquals(List.of(LlamaLayout.EMBED), block.names().subList(0, 1));
    }

    @Test
    void impossibleSurgeryIsOneLine() {
        Checkpoint source = TinyModels.random(TinyModels.config(2, 2, true), 8, DType.F32);
        assertEquals("cannot remove 2 of 2 layers: at least one must stay",
                assertThrows(StrataException.class, () -> LayerSurgery.remove(source, List.of(0, 1))).getMessage());
        assertEquals("layer 5 does not exist (the model has layers 0..1)",
                assertThrows(StrataException.class, () -> LayerSurgery.remove(source, List.of(5))).getMessage());
        assertEquals("no adjacent pair (1, 2) in a model with layers 0..1", assertThrows(StrataException.class,
                () -> LayerSurgery.replacePair(source, 1, LayerWeights.of(source, 0))).getMessage());
        LayerWeights wrong = new LayerWeights(Map.of(LayerTensor.Q_PROJ, Tensor.of("q", DType.F32, new long[] {1},
                new float[] {1})));
        assertTrue(assertThrows(StrataException.class, () -> LayerSurgery.replaceBlock(source, 0, 1, wrong))
                .getMessage().startsWith("layer 0: no tensor "));
    }

    private static void assertLayerIs(Checkpoint actual, int layer, Checkpoint source, int sourceLayer) {
        for (LayerTensor t : LayerTensor.of(source.config())) {
            assertSame(actual, source, t.name(layer), t.name(sourceLayer));
        }
    }

    private static void assertSame(Checkpoint actual, Checkpoint source, String name, String sourceName) {
        Tensor a = actual.tensor(name);
        Tensor s = source.tensor(sourceName);
        assertEquals(s.dtype(), a.dtype(), name);
        assertTrue(s.buffer().equals(a.buffer()), name + " holds " + sourceName + "'s values");
    }
}
