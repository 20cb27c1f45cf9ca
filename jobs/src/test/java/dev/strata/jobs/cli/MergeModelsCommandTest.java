package dev.strata.jobs.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.strata.pipeline.bench.RandomWeights;
import dev.strata.pipeline.merge.ModelMerge;
import dev.strata.pipeline.model.Checkpoint;
import dev.strata.pipeline.model.LlamaConfig;
import dev.strata.pipeline.model.LlamaLayout;
import dev.strata.pipeline.model.LlamaLayout.LayerTensor;
import dev.strata.pipeline.model.ModelFolder;
import dev.strata.pipeline.model.Safetensors;
import dev.strata.pipeline.model.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** strata merge models on the shared model: exact task arithmetic, a layer-dropping passthrough, bad configs. */
class MergeModelsCommandTest {
    private static final String CHANGED = "model.layers.1.mlp.up_proj.weight";
    private static final String BASE = CliRun.STORIES.toString();

    @TempDir
    Path dir;

    private Path config(String yaml) throws Exception {
        Path file = dir.resolve("merge.yaml");
        Files.writeString(file, yaml);
        return file;
    }

    /** The shared model with CHANGED moved by 0.01 * (i % 7 - 3), written as a model folder under dir. */
    private Path variant() {
        Checkpoint base = ModelFolder.read(CliRun.STORIES);
        Map<String, Tensor> tensors = new LinkedHashMap<>(base.tensors());
        Tensor t = base.tensor(CHANGED);
        float[] v = t.toFloatArray();
        for (int i = 0; i < v.length; i++) {
            v[i] += 0.01f * (i % 7 - 3);
        }
        tensors.put(CHANGED, Tensor.of(CHANGED, t.dtype(), t.shape(), v));
        Path out = dir.resolve("variant");
        ModelFolder.write(new Checkpoint(base.config(), tensors, base.assets()), out);
        return out;
    }

    @Test
    void taskArithmeticAddsHalfTheChangedTensorsDifferenceAndKeepsTheRest() throws Exception {
        variant();
        Path cfg = config("merge_method: task_arithmetic\nbase_model: " + BASE + "\n"
                + "models:\n  - model: variant\n    parameters: {weight: 1.0}\nparameters: {lambda: 0.5}\n");
        Path out = dir.resolve("merged");
        CliRun run = CliRun.of("merge", "models", cfg.toString(), "--out", out.toString());
        assertEquals(0, run.exitCode(), run.err());

        Checkpoint base = ModelFolder.read(CliRun.STORIES);
        Checkpoint variant = ModelFolder.read(dir.resolve("variant"));
        Checkpoint merged = ModelFolder.read(out);
        assertEquals(5, LlamaConfig.read(out.resolve(ModelFolder.CONFIG)).numLayers());
        assertEquals(base.tensors().keySet(), merged.tensors().keySet());
        for (Tensor t : base.tensors().values()) {
            if (!t.name().equals(CHANGED)) {
                assertTrue(t.bitEquals(merged.tensor(t.name())), t.name()); // base + 0.5 * 0
            }
        }
        float[] b = base.tensor(CHANGED).toFloatArray();
        float[] v = variant.tensor(CHANGED).toFloatArray();
        float[] expected = new float[b.length];
        for (int i = 0; i < b.length; i++) {
            expected[i] = (float) (b[i] + 0.5 * ((double) v[i] - b[i])); // base + lambda * delta, rounded once
        }
        assertArrayEquals(expected, merged.tensor(CHANGED).toFloatArray(), 0f);
        assertFalse(java.util.Arrays.equals(b, merged.tensor(CHANGED).toFloatArray()));
        assertArrayEquals(Files.readAllBytes(CliRun.STORIES.resolve("tokenizer.json")),
                Files.readAllBytes(out.resolve("tokenizer.json")));

        JsonNode record = new ObjectMapper().readTree(out.resolve(ModelMerge.RECORD).toFile());
        assertEquals("task_arithmetic", record.get("merge_method").asText());
        assertEquals(0.5, record.get("parameters").get("lambda").asDouble());
        assertEquals(dir.resolve("variant").toString(), record.get("models").get(0).get("model").asText());
        assertEquals(1.0, record.get("models").get(0).get("parameters").get("weight").asDouble());

        CliRun again = CliRun.of("merge", "models", cfg.toString(), "--out", out.toString());
        assertEquals(1, again.exitCode());
        assertEquals("strata: error: " + out + ": already exists and is not empty; choose another output path or "
                + "remove it", again.lastErrLine());
    }

    @Test
    void passthroughSlicesDropLayerTwoBitForBit() throws Exception {
        Path cfg = config("merge_method: passthrough\nslices:\n"
                + "  - sources: [{model: " + BASE + ", layer_range: [0, 2]}]\n"
                + "  - sources: [{model: " + BASE + ", layer_range: [3, 5]}]\n");
        Path out = dir.resolve("dropped");
        CliRun run = CliRun.of("merge", "models", cfg.toString(), "--out", out.toString());
        assertEquals(0, run.exitCode(), run.err());
        Checkpoint base = ModelFolder.read(CliRun.STORIES);
        Checkpoint dropped = ModelFolder.read(out);
        assertEquals(4, dropped.config().numLayers());
        int[] from = {0, 1, 3, 4};
        for (int layer = 0; layer < 4; layer++) {
            for (LayerTensor t : LayerTensor.of(base.config())) {
                Tensor mine = dropped.tensor(t.name(layer));
                assertTrue(base.tensor(t.name(from[layer])).as(t.name(layer), mine.dtype()).bitEquals(mine),
                        t.name(layer));
            }
        }
        for (String name : new String[] {LlamaLayout.EMBED, LlamaLayout.FINAL_NORM}) {
            assertTrue(base.tensor(name).bitEquals(dropped.tensor(name)), name);
        }
        JsonNode layers = new ObjectMapper().readTree(out.resolve(ModelMerge.RECORD).toFile()).get("layers");
        assertEquals(3, layers.get(2).get("sources").get(0).get("layer").asInt());
    }

    private void assertRefused(String yaml, String message) throws Exception {
        Path cfg = config(yaml);
        Path out = dir.resolve("refused");
        CliRun run = CliRun.of("merge", "models", cfg.toString(), "--out", out.toString());
        assertEquals(1, run.exitCode(), run.err());
        assertEquals("strata: error: " + message, run.lastErrLine());
        assertEquals(1, run.err().lines().filter(l -> l.startsWith("strata: error")).count(), run.err());
        assertFalse(run.err().contains("\tat "), "a stack trace: " + run.err());
        try (Stream<Path> left = Files.list(dir)) {
            assertFalse(left.anyMatch(p -> p.getFileName().toString().contains("refused")), "output left behind");
        }
    }

    @Test
    void badConfigsAreRefusedInOneLineNamingTheKeyOrModel() throws Exception {
        String cfg = dir.resolve("merge.yaml").toString();
        assertRefused("merge_method: frankenmerge\nmodels: [" + BASE + "]\n", cfg + ": 'merge_method' 'frankenmerge' "
                + "is not a merge method (expected one of linear, task_arithmetic, ties, dare, slerp, passthrough)");
        assertRefused("merge_method: ties\nmodels: [" + BASE + "]\n", cfg + ": missing key 'base_model' "
                + "(merge_method ties adds the models' differences from a base model)");
        assertRefused("merge_method: slerp\nmodels: [a, b, c]\nparameters: {t: 0.5}\n", cfg + ": 'models' lists 3 "
                + "model(s); slerp merges exactly two models");
        assertRefused("merge_method: task_arithmetic\nbase_model: " + BASE + "\nmodels: [" + BASE + "]\n"
                + "parameters: {lambda: 0.5, lamda: 1}\n", cfg + ": unknown key 'parameters.lamda' (expected one of: lambda)");
        assertRefused("merge_method: ties\nbase_model: " + BASE + "\nmodels:\n  - model: " + BASE + "\n"
                + "    parameters: {densty: 0.5}\n", cfg + ": unknown key 'models[0].parameters.densty' (expected one of: "
                + "weight, density)");
        assertRefused("merge_method: ties\nbase_model: " + BASE + "\nmodels:\n  - model: " + BASE + "\n"
                + "    parameters: {density: 0}\n", cfg + ": 'models[0].parameters.density' must be > 0 and at most 1, got 0.0");
        assertRefused("merge_method: linear\nmodels: [" + BASE + "]\nmodel_type: llama\n", cfg + ": unknown key "
                + "'model_type' (expected one of: merge_method, base_model, parameters, models, slices, dtype)");
    }

    @Test
    void modelsOfAnotherShapeOrWithAMissingTensorAreRefusedByName() throws Exception {
        String text = Files.readString(CliRun.STORIES.resolve(ModelFolder.CONFIG)).replace("\"hidden_size\": 64",
                "\"hidden_size\": 32");
        ModelFolder.write(RandomWeights.checkpoint(LlamaConfig.parse(text, "narrow"), 1), dir.resolve("narrow"));
        String cfg = dir.resolve("merge.yaml").toString();
        assertRefused("merge_method: linear\nmodels: [" + BASE + ", narrow]\n", cfg + ": model 'narrow' cannot be "
                + "merged with the first model '" + BASE + "': config key 'hidden_size' is 32, not 64");

        Checkpoint base = ModelFolder.read(CliRun.STORIES);
        Path broken = Files.createDirectory(dir.resolve("broken"));
        Files.copy(CliRun.STORIES.resolve(ModelFolder.CONFIG), broken.resolve(ModelFolder.CONFIG));
        String gone = LayerTensor.DOWN_PROJ.name(4);
        Safetensors.write(broken.resolve(ModelFolder.SINGLE_FILE),
                base.tensors().values().stream().filter(t -> !t.name().equals(gone)).toList(), Map.of());
        assertRefused("merge_method: task_arithmetic\nbase_model: " + BASE + "\nmodels: [broken]\n",
                broken.resolve(ModelFolder.SINGLE_FILE) + ": missing tensor '" + gone + "' ("
                        + broken.resolve(ModelFolder.CONFIG) + " declares 5 layers)");
    }

    @Test
    void helpListsTheOperatorsAndMergeComeIsStillTheCompressAlias() {
        CliRun help = CliRun.of("merge", "models", "--help");
        assertEquals(0, help.exitCode(), help.err());
        assertTrue(help.out().contains("  ties             Trim to the largest (density), elect signs, disjoint mean."), help.out());
        assertTrue(help.out().contains("keys: lambda; per model: weight, density"), help.out());
        CliRun come = CliRun.of("merge", "come", "--help");
        assertEquals(0, come.exitCode(), come.err());
        assertTrue(come.out().contains("strata compress come"), come.out());
    }
}
