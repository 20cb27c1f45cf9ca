package dev.strata.pipeline.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.strata.pipeline.StrataException;
import dev.strata.pipeline.forward.DecoderLayer;
import dev.strata.pipeline.forward.LlamaModel;
import dev.strata.pipeline.testing.SafetensorsBytes;
import dev.strata.pipeline.testing.TinyModels;
import dev.strata.pipeline.util.AtomicDirectory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelFolderTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private static void assertBitIdentical(Checkpoint expected, Checkpoint actual) {
        assertEquals(expected.tensors().keySet(), actual.tensors().keySet());
        for (String name : expected.tensors().keySet()) {
            assertTrue(expected.tensor(name).bitEquals(actual.tensor(name)), name);
        }
        assertEquals(expected.config().toJson(), actual.config().toJson());
        assertEquals(expected.assets().keySet(), actual.assets().keySet());
        expected.assets().forEach((name, bytes) -> assertArrayEquals(bytes, actual.assets().get(name), name));
    }

    @Test
    void readsSharedModel() {
        Checkpoint cp = ModelFolder.read(TinyModels.STORIES);
        LlamaConfig c = cp.config();
        assertEquals(List.of(64, 172, 5, 8, 4, 8, 512, 512), List.of(c.hiddenSize(), c.intermediateSize(), c.numLayers(),
                c.numHeads(), c.numKvHeads(), c.headDim(), c.vocabSize(), c.maxPositions()));
        assertTrue(c.tieWordEmbeddings());
        assertEquals(1 + 5 * 9 + 1, cp.tensors().size());
        assertTrue(cp.assets().containsKey("tokenizer.json"));
    }

    @Test
    void sharedModelRoundTripsBitIdentically() {
        Checkpoint original = ModelFolder.read(TinyModels.STORIES);
        ModelFolder.write(original, dir.resolve("copy"));
        assertBitIdentical(original, ModelFolder.read(dir.resolve("copy")));
    }

    @Test
    void shardedRoundTripIsBitIdenticalAndReshardable() throws Exception {
        Checkpoint original = ModelFolder.read(TinyModels.STORIES);
        ModelFolder.write(original, dir.resolve("sharded"), 300_000);
        assertFalse(Files.exists(dir.resolve("sharded/model.safetensors")));
        JsonNode index = JSON.readTree(dir.resolve("sharded/model.safetensors.index.json").toFile());
        assertEquals(original.storedBytes(), index.get("metadata").get("total_size").asLong());
        assertTrue(Files.exists(dir.resolve("sharded/model-00004-of-00004.safetensors")));
        Checkpoint sharded = ModelFolder.read(dir.resolve("sharded"));
        assertBitIdentical(original, sharded);
        ModelFolder.write(sharded, dir.resolve("unsharded"));
        ModelFolder.write(original, dir.resolve("direct"));
        assertArrayEquals(Files.readAllBytes(dir.resolve("direct/model.safetensors")),
                Files.readAllBytes(dir.resolve("unsharded/model.safetensors")), "same file whether or not it was sharded");
    }

    @Test
    void halfPrecisionModelsKeepTheirTypeAndEveryBit() throws Exception {
        for (DType type : List.of(DType.BF16, DType.F16)) {
            Checkpoint cp = TinyModels.random(TinyModels.config(2, 2, false).withDtype(type), 5, type);
            ModelFolder.write(cp, dir.resolve("a-" + type));
            Checkpoint first = ModelFolder.read(dir.resolve("a-" + type));
            assertEquals(type, first.config().dtype());
            first.tensors().values().forEach(t -> assertEquals(type, t.dtype(), t.name()));
            ModelFolder.write(first, dir.resolve("b-" + type));
            assertBitIdentical(first, ModelFolder.read(dir.resolve("b-" + type)));
            assertArrayEquals(Files.readAllBytes(dir.resolve("a-" + type + "/model.safetensors")),
                    Files.readAllBytes(dir.resolve("b-" + type + "/model.safetensors")));
        }
    }

    @Test
    void removingALayerUpdatesConfigAndKeepsOtherKeys() throws Exception {
        try (LlamaModel model = LlamaModel.load(TinyModels.STORIES, Device.cpu())) {
            List<DecoderLayer> layers = new ArrayList<>(model.layers());
            layers.remove(2);
            ModelFolder.write(model.withLayers(layers).toCheckpoint(), dir.resolve("pruned"));
        }
        JsonNode config = JSON.readTree(dir.resolve("pruned/config.json").toFile());
        assertEquals(4, config.get("num_hidden_layers").asInt());
        assertEquals(0.02, config.get("initializer_range").asDouble());
        Checkpoint pruned = ModelFolder.read(dir.resolve("pruned"));
        Checkpoint original = ModelFolder.read(TinyModels.STORIES);
        assertTrue(original.tensor("model.layers.3.mlp.up_proj.weight").as("model.layers.2.mlp.up_proj.weight", DType.F32)
                .bitEquals(pruned.tensor("model.layers.2.mlp.up_proj.weight")), "layer 3 became layer 2");
        assertTrue(pruned.assets().containsKey("tokenizer.json"));
    }

    // ---- bad input: each case names the file and what was expected

    private int copies;

    /** A new copy of the shared model whose config.json has been edited. */
    private Path withConfig(java.util.function.Consumer<ObjectNode> edit) throws IOException {
        Path copy = dir.resolve("model-" + copies++);
        Files.createDirectories(copy);
        Files.copy(TinyModels.STORIES.resolve("model.safetensors"), copy.resolve("model.safetensors"));
        ObjectNode config = (ObjectNode) JSON.readTree(TinyModels.STORIES.resolve("config.json").toFile());
        edit.accept(config);
        Files.writeString(copy.resolve("config.json"), config.toString());
        return copy;
    }

    private String readError(Path model) {
        return assertThrows(StrataException.class, () -> ModelFolder.read(model)).getMessage();
    }

    @Test
    void missingFolderAndConfig() throws Exception {
        assertEquals(dir.resolve("nope") + ": not a model folder (no such directory)", readError(dir.resolve("nope")));
        Files.createDirectories(dir.resolve("empty"));
        assertEquals(dir.resolve("empty/config.json")
                + ": file does not exist (a Hugging Face model folder needs config.json)", readError(dir.resolve("empty")));
    }

    @Test
    void unsupportedArchitectureAndSettings() throws Exception {
        assertConfigError(c -> c.put("model_type", "gpt2"), "model_type 'gpt2' is not supported (expected \"llama\", \"mistral\" or \"qwen2\")");
        assertConfigError(c -> c.remove("model_type"), "missing 'model_type' (expected \"llama\", \"mistral\" or \"qwen2\")");
        assertConfigError(c -> c.put("model_type", "qwen3"),
                "model_type 'qwen3' is not supported (expected \"llama\", \"mistral\" or \"qwen2\")");
        assertConfigError(c -> c.putArray("architectures").add("MistralForCausalLM"), "architectures "
                + "[\"MistralForCausalLM\"] is not supported for model_type 'llama' (expected [\"LlamaForCausalLM\"])");
        assertConfigError(c -> c.putObject("rope_scaling").put("type", "linear").put("factor", 2.0),
                "rope_scaling type \"linear\" is not supported (expected \"llama3\", or rope_scaling null)");
        assertConfigError(c -> c.putObject("rope_scaling").put("rope_type", "llama3").put("factor", 8.0),
                "rope_scaling.low_freq_factor must be a positive number, got null");
        assertConfigError(c -> c.put("sliding_window", 0), "'sliding_window' must be a positive integer, got 0");
        assertConfigError(c -> c.put("hidden_size", "64"), "'hidden_size' must be a positive integer, got \"64\"");
        assertConfigError(c -> c.remove("vocab_size"), "missing required key 'vocab_size'");
        assertConfigError(c -> c.put("num_key_value_heads", 3),
                "num_attention_heads 8 is not a multiple of num_key_value_heads 3");
        assertConfigError(c -> c.put("torch_dtype", "int8"),
                "torch_dtype 'int8' is not supported (expected float32, float16 or bfloat16)");
        assertConfigError(c -> c.put("hidden_act", "gelu"), "hidden_act 'gelu' is not supported (expected \"silu\")");
    }

    private void assertConfigError(java.util.function.Consumer<ObjectNode> edit, String expected) throws IOException {
        Path model = withConfig(edit);
        assertEquals(model.resolve("config.json") + ": " + expected, readError(model));
    }

    @Test
    void shapesThatContradictConfig() throws Exception {
        Path model = withConfig(c -> c.put("num_key_value_heads", 8));
        assertEquals(model.resolve("model.safetensors") + ": tensor 'model.layers.0.self_attn.k_proj.weight' has shape "
                + "[32, 64] but " + model.resolve("config.json") + " implies [64, 64]", readError(model));
    }

    @Test
    void missingAndUnexpectedTensors() throws Exception {
        Path more = withConfig(c -> c.put("num_hidden_layers", 6));
        assertEquals(more.resolve("model.safetensors") + ": missing tensor 'model.layers.5.input_layernorm.weight' ("
                + more.resolve("config.json") + " declares 6 layers)", readError(more));
        Path fewer = withConfig(c -> c.put("num_hidden_layers", 4));
        assertEquals(fewer.resolve("model.safetensors") + ": unexpected tensor 'model.layers.4.input_layernorm.weight' "
                + "(not part of a Llama with 4 layers and tied embeddings)", readError(fewer));
    }

    @Test
    void missingWeightsAndPytorchWeights() throws Exception {
        Path model = dir.resolve("m");
        Files.createDirectories(model);
        Files.copy(TinyModels.STORIES.resolve("config.json"), model.resolve("config.json"));
        assertEquals(model + ": no model.safetensors or model.safetensors.index.json", readError(model));
        Files.write(model.resolve("pytorch_model.bin"), new byte[4]);
        assertEquals(model + ": holds PyTorch .bin weights; Strata reads safetensors (save the model with "
                + "safe_serialization=True)", readError(model));
    }

    @Test
    void brokenShardIndex() throws Exception {
        ModelFolder.write(ModelFolder.read(TinyModels.STORIES), dir.resolve("s"), 300_000);
        Path index = dir.resolve("s/model.safetensors.index.json");
        Files.delete(dir.resolve("s/model-00002-of-00004.safetensors"));
        assertEquals(index + ": shard 'model-00002-of-00004.safetensors' does not exist", readError(dir.resolve("s")));

        AtomicDirectory.deleteQuietly(dir.resolve("s"));
        ModelFolder.write(ModelFolder.read(TinyModels.STORIES), dir.resolve("s"), 300_000);
        ObjectNode json = (ObjectNode) JSON.readTree(index.toFile());
        ((ObjectNode) json.get("weight_map")).put("model.norm.weight", "model-00001-of-00004.safetensors");
        Files.writeString(index, json.toString());
        assertEquals(index + ": maps tensor 'model.norm.weight' to shard 'model-00001-of-00004.safetensors', which does "
                + "not contain it", readError(dir.resolve("s")));

        ((ObjectNode) json.get("weight_map")).put("model.norm.weight", "../elsewhere.safetensors");
        Files.writeString(index, json.toString());
        assertEquals(index + ": tensor 'model.norm.weight' maps to '\"../elsewhere.safetensors\"', which is not a file "
                + "name in the model folder", readError(dir.resolve("s")));
    }

    @Test
    void corruptWeightsFileIsNamed() throws Exception {
        Path model = withConfig(c -> { });
        byte[] bytes = Files.readAllBytes(model.resolve("model.safetensors"));
        Files.write(model.resolve("model.safetensors"), java.util.Arrays.copyOf(bytes, bytes.length - 100));
        assertTrue(readError(model).startsWith(model.resolve("model.safetensors") + ": file is truncated: tensor "));
    }

    /** Overwrites one stored element of a tensor in place, as its dtype stores it (little-endian). */
    private static void poke(Path file, String tensor, int element, float value) throws IOException {
        Safetensors.Header h = Safetensors.readHeader(file);
        Safetensors.Entry e = h.entry(tensor);
        java.nio.ByteBuffer bytes = java.nio.ByteBuffer.allocate(e.dtype().bytes()).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        e.dtype().encode(java.nio.FloatBuffer.wrap(new float[] {value}), bytes, 1);
        try (var ch = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(bytes.flip(), h.dataStart() + e.begin() + (long) element * e.dtype().bytes());
        }
    }

    @Test
    void nonFiniteWeightsAreRefusedNamingTheFirstBadTensorAndElement() throws Exception {
        Path model = withConfig(c -> { });
        Path weights = model.resolve("model.safetensors");
        poke(weights, "model.layers.3.self_attn.q_proj.weight", 7, Float.POSITIVE_INFINITY);
        poke(weights, "model.layers.1.mlp.down_proj.weight", 1234, Float.NaN);
        assertEquals(weights + ": tensor 'model.layers.1.mlp.down_proj.weight' holds NaN at element 1234; the weights "
                + "are not finite", readError(model));
        assertThrows(StrataException.class, () -> LlamaModel.load(model, Device.cpu()), "every load checks");
    }

    @Test
    void nonFiniteHalfPrecisionWeightsAreRefusedToo() throws Exception {
        for (DType type : List.of(DType.BF16, DType.F16)) {
            Checkpoint cp = TinyModels.random(TinyModels.config(2, 2, false).withDtype(type), 5, type);
            Path model = dir.resolve("half-" + type);
            ModelFolder.write(cp, model);
            poke(model.resolve("model.safetensors"), "model.norm.weight", 3, Float.NEGATIVE_INFINITY);
            assertEquals(model.resolve("model.safetensors") + ": tensor 'model.norm.weight' holds -Infinity at element 3;"
                    + " the weights are not finite", readError(model), type.toString());
        }
    }

    @Test
    void inferenceBuffersAndDuplicateTiedHeadAreIgnored() throws Exception {
        Checkpoint cp = TinyModels.random(TinyModels.config(1, 2, true), 3, DType.F32);
        Map<String, Tensor> extra = new LinkedHashMap<>(cp.tensors());
        Path model = dir.resolve("extra");
        Files.createDirectories(model);
        Files.writeString(model.resolve("config.json"), cp.config().toJson());
        extra.put("lm_head.weight", cp.tensor(LlamaLayout.EMBED).as("lm_head.weight", DType.F32));
        extra.put("model.layers.0.self_attn.rotary_emb.inv_freq", Tensor.of("model.layers.0.self_attn.rotary_emb.inv_freq",
                DType.F32, new long[] {4}, new float[4]));
        Safetensors.write(model.resolve("model.safetensors"), extra.values(), Map.of());
        assertBitIdentical(cp, ModelFolder.read(model));
    }

    // ---- atomic output

    @Test
    void writeRefusesNonEmptyTargetAndFailureLeavesNothing() throws Exception {
        Checkpoint cp = ModelFolder.read(TinyModels.STORIES);
        Path target = dir.resolve("out");
        Files.createDirectories(target);
        Files.writeString(target.resolve("keep.txt"), "x");
        StrataException e = assertThrows(StrataException.class, () -> ModelFolder.write(cp, target));
        assertEquals(target + ": already exists and is not empty; choose another output path or remove it", e.getMessage());

        Path failing = dir.resolve("failing");
        assertThrows(IllegalStateException.class, () -> AtomicDirectory.create(failing, tmp -> {
            Files.writeString(tmp.resolve("config.json"), "{}");
            throw new IllegalStateException("disk full");
        }));
        assertFalse(Files.exists(failing));
        try (Stream<Path> left = Files.list(dir)) {
            assertEquals(List.of("out"), left.map(p -> p.getFileName().toString()).toList(), "no partial folder left");
        }
    }

    @Test
    void headerOnlyFileIsValidWhenEmpty() throws Exception {
        Path file = SafetensorsBytes.write(dir.resolve("empty.safetensors"), "{}", new byte[0]);
        assertTrue(Safetensors.read(file).isEmpty());
    }
}
