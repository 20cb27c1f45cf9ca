package dev.strata.pipeline.forward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.strata.pipeline.model.DType;
import dev.strata.pipeline.model.LlamaConfig;
import dev.strata.pipeline.model.ModelFolder;
import dev.strata.pipeline.model.RopeScaling;
import dev.strata.pipeline.model.StoredWeights;
import dev.strata.pipeline.surgery.LayerSurgery;
import dev.strata.pipeline.testing.ArrayDifference;
import dev.strata.pipeline.testing.TinyModels;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Each architecture loads (whole and streamed, giving the same logits), and exports: a layer pruned from the stored
 * model writes a folder whose config.json keeps the architecture's keys and whose model computes what the loaded
 * model computes without that layer. (Each forward is checked against the reference in ForwardPassTest.)
 */
class ArchitecturesTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"llama3", "mistral", "qwen2"})
    void loadsRunsStreamedAndExports(String architecture) throws Exception {
        LlamaConfig.Builder b = LlamaConfig.builder().hiddenSize(32).intermediateSize(48).numLayers(3).numHeads(4)
                .numKvHeads(2).vocabSize(61).maxPositions(64).rmsNormEps(1e-5).ropeTheta(10000);
        LlamaConfig config = switch (architecture) {
            case "llama3" -> b.ropeScaling(new RopeScaling(8, 1, 4, 32)).build();
            case "mistral" -> b.mistral(32).build();
            default -> b.qwen2().tieWordEmbeddings(true).build();
        };
        Path dir = tmp.resolve(architecture);
        ModelFolder.write(TinyModels.random(config, 3, DType.BF16), dir, 20_000);
        StoredWeights stored = ModelFolder.open(dir);
        Path pruned = tmp.resolve(architecture + "-pruned");
        ModelFolder.write(LayerSurgery.remove(stored, List.of(0)), pruned);

        JsonNode written = JSON.readTree(pruned.resolve(ModelFolder.CONFIG).toFile());
        JsonNode original = JSON.readTree(dir.resolve(ModelFolder.CONFIG).toFile());
        assertEquals(2, written.get("num_hidden_layers").asInt());
        for (String key : List.of("model_type", "architectures", "rope_scaling", "sliding_window", "rope_theta")) {
            assertEquals(original.get(key), written.get(key), key);
        }
        MemoryBudget oneLayer = new MemoryBudget(stored.layerF32Bytes(0) + 4L * 32 * 8, "test");
        long[][] ids = {{1, 5, 9, 20, 33, 2, 60, 7, 7, 11}, {3, 3, 40, 12, 0, 59, 8, 1, 2, 4}};
        try (LlamaModel whole = LlamaModel.load(dir, Device.cpu());
                LlamaModel streamed = LlamaModel.open(dir, Device.cpu(), oneLayer, ComputeType.F32);
                LlamaModel exported = LlamaModel.load(pruned, Device.cpu());
                NDManager scope = whole.newScope()) {
            assertTrue(streamed.streamed());
            NDArray tokens = whole.tokens(scope, ids);
            NDArray logits = whole.logits(tokens);
            ArrayDifference.assertWithin(1e-6, logits, streamed.logits(tokens), "streamed logits");
            ArrayDifference.assertWithin(1e-6, whole.withoutLayer(0).logits(tokens), exported.logits(tokens),
                    "the exported model's logits");
        }
    }
}
