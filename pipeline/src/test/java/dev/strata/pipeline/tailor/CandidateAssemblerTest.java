package dev.strata.pipeline.tailor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import dev.strata.pipeline.StrataException;
import dev.strata.pipeline.bench.NoisyCopy;
import dev.strata.pipeline.compress.LayerOrigin;
import dev.strata.pipeline.compress.Plan;
import dev.strata.pipeline.forward.DecoderLayer;
import dev.strata.pipeline.forward.LlamaModel;
import dev.strata.pipeline.model.Checkpoint;
import dev.strata.pipeline.model.DType;
import dev.strata.pipeline.model.LlamaLayout;
import dev.strata.pipeline.model.LlamaLayout.LayerTensor;
import dev.strata.pipeline.model.ModelFolder;
import dev.strata.pipeline.model.ModelWeights;
import dev.strata.pipeline.model.Tensor;
import dev.strata.pipeline.testing.ReferenceLlama;
import dev.strata.pipeline.testing.TinyModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Candidates on the shared model and two variants made from it by seeded noise on every decoder layer (as a
 * fine-tune changes them, embeddings and final norm untouched): layers taken unchanged are the very objects, a
 * merged layer is task arithmetic, and the whole candidate computes what the plain-Java reference computes on a
 * checkpoint assembled here by hand.
 */
class CandidateAssemblerTest {
    private static final double TOLERANCE = 1e-4;
    private static final double LAMBDA = 0.3;

    private static Checkpoint baseCheckpoint;
    private static List<Checkpoint> variantCheckpoints;
    private static LlamaModel base;
    private static List<LlamaModel> variants;

    @BeforeAll
    static void load() {
        baseCheckpoint = ModelFolder.read(TinyModels.STORIES);
        variantCheckpoints = List.of(NoisyCopy.of(baseCheckpoint, 11, 1e-2f),
                NoisyCopy.of(baseCheckpoint, 12, 1e-2f));
        base = LlamaModel.fromCheckpoint(baseCheckpoint, Device.cpu());
        variants = variantCheckpoints.stream().map(cp -> LlamaModel.fromCheckpoint(cp, Device.cpu())).toList();
    }

    @AfterAll
    static void close() {
        variants.forEach(LlamaModel::close);
        base.close();
    }

    private static Genotype.Gene base() {
        return new Genotype.Gene(false, new boolean[2], 0);
    }

    private static Genotype.Gene removed() {
        return new Genotype.Gene(true, new boolean[2], 0);
    }

    private static Genotype.Gene taking(double lambda, boolean... mask) {
        return new Genotype.Gene(false, mask, lambda);
    }

    /** Layer 2 removed, variant 1's layer 0, a merge of both variants at layer 3 (lambda 0.3). */
    private static Genotype mixed() {
        return new Genotype(List.of(taking(0.7, false, true), base(), removed(), taking(LAMBDA, true, true), base()));
    }

    /** The mixed genotype's checkpoint, built from the checkpoints' float arrays alone (layers renumbered). */
    private static Checkpoint expectedMixed() {
        int[][] sources = {{1, 0}, {-1, 1}, {2, 3}, {-1, 4}}; // {variant, -1 for the base, 2 for the merge; layer}
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put(LlamaLayout.EMBED, baseCheckpoint.tensor(LlamaLayout.EMBED));
        for (int out = 0; out < sources.length; out++) {
            int from = sources[out][1];
            for (LayerTensor t : LayerTensor.of(baseCheckpoint.config())) {
                float[] b = baseCheckpoint.tensor(t.name(from)).toFloatArray();
                float[] v;
                if (sources[out][0] == -1) {
                    v = b;
                } else if (sources[out][0] < 2) {
                    v = variantCheckpoints.get(sources[out][0]).tensor(t.name(from)).toFloatArray();
                } else {
                    float[] v0 = variantCheckpoints.get(0).tensor(t.name(from)).toFloatArray();
                    float[] v1 = variantCheckpoints.get(1).tensor(t.name(from)).toFloatArray();
                    v = new float[b.length];
                    for (int i = 0; i < b.length; i++) {
                        v[i] = (float) (b[i] + LAMBDA * (((double) v0[i] - b[i]) + ((double) v1[i] - b[i])));
                    }
                }
                tensors.put(t.name(out), Tensor.of(t.name(out), DType.F32, t.shape(baseCheckpoint.config()), v));
            }
        }
        tensors.put(LlamaLayout.FINAL_NORM, baseCheckpoint.tensor(LlamaLayout.FINAL_NORM));
        return new Checkpoint(baseCheckpoint.config().withNumLayers(sources.length), tensors, baseCheckpoint.assets());
    }

    private static int[] tokens(int n, long seed) {
        Random rng = new Random(seed);
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) {
            ids[i] = rng.nextInt(baseCheckpoint.config().vocabSize());
        }
        return ids;
    }

    private static float[] logits(LlamaModel model, int[] ids) {
        try (NDManager scope = model.newScope()) {
            return model.logits(model.tokens(scope, List.of(ids))).toFloatArray();
        }
    }

    @Test
    void noRemovalAndNoVariantIsTheBaseItself() {
        Genotype identity = new Genotype(List.of(base(), base(), base(), base(), base()));
        int[] ids = tokens(48, 1);
        try (Candidate c = new CandidateAssembler(base, variants).assemble(identity)) {
            for (int l = 0; l < base.layers().size(); l++) {
                assertSame(base.layers().get(l), c.model().layers().get(l), "layer " + l);
            }
            assertArrayEquals(logits(base, ids), logits(c.model(), ids));
            assertEquals(Plan.identity(baseCheckpoint.config()).layers(), c.plan().layers());
        }
    }

    @Test
    void removedVariantAndMergedLayersComputeTheReference() {
        int[] ids = tokens(64, 2);
        double[][] expected = new ReferenceLlama(expectedMixed(), false).forward(ids).logits();
        try (Candidate c = new CandidateAssembler(base, variants).assemble(mixed())) {
            float[] got = logits(c.model(), ids);
            double maxDiff = 0;
            double maxRef = 0;
            int vocab = expected[0].length;
            for (int t = 0; t < expected.length; t++) {
                for (int i = 0; i < vocab; i++) {
                    maxDiff = Math.max(maxDiff, Math.abs(expected[t][i] - got[t * vocab + i]));
                    maxRef = Math.max(maxRef, Math.abs(expected[t][i]));
                }
            }
            assertTrue(maxDiff / maxRef <= TOLERANCE, "relative error " + maxDiff / maxRef);
            // the merge changes the logits: a candidate that ignored a variant would not pass by luck
            assertTrue(maxDiff / maxRef * 1e3 < relativeChange(c.model(), ids), "the variants change too little");
        }
    }

    /** How far the mixed candidate's logits are from the base with layer 2 removed, relative to their size. */
    private static double relativeChange(LlamaModel candidate, int[] ids) {
        float[] a = logits(candidate, ids);
        float[] b = logits(base.withoutLayer(2), ids);
        double diff = 0;
        double size = 0;
        for (int i = 0; i < a.length; i++) {
            diff = Math.max(diff, Math.abs(a[i] - b[i]));
            size = Math.max(size, Math.abs(b[i]));
        }
        return diff / size;
    }

    @Test
    void layersTakenUnchangedAreTheSourcesObjectsAndTheMergeIsNew() {
        try (Candidate c = new CandidateAssembler(base, variants).assemble(mixed())) {
            List<DecoderLayer> layers = c.model().layers();
            assertEquals(4, layers.size());
            assertSame(variants.get(1).layers().get(0), layers.get(0));
            assertSame(base.layers().get(1), layers.get(1));
            assertSame(base.layers().get(4), layers.get(3));
            assertNotSame(base.layers().get(3), layers.get(2));
            assertNotSame(variants.get(0).layers().get(3), layers.get(2));
            assertNotSame(variants.get(1).layers().get(3), layers.get(2));
        }
    }

    @Test
    void closingACandidateLeavesTheBaseAndVariantsUsable() {
        int[] ids = tokens(32, 3);
        float[] before = logits(base, ids);
        List<float[]> variantsBefore = variants.stream().map(v -> logits(v, ids)).toList();
        Candidate c = new CandidateAssembler(base, variants).assemble(mixed());
        logits(c.model(), ids);
        c.close();
        assertArrayEquals(before, logits(base, ids));
        for (int m = 0; m < variants.size(); m++) {
            assertArrayEquals(variantsBefore.get(m), logits(variants.get(m), ids), "variant " + m);
        }
    }

    @Test
    void exportsRenumberedLayersAndAPlanOfTheirSources(@TempDir Path dir) {
        Checkpoint expected = expectedMixed();
        ModelFolder.write(baseCheckpoint, dir.resolve("base"));
        List<ModelWeights> stored = new ArrayList<>();
        for (int v = 0; v < variantCheckpoints.size(); v++) {
            ModelFolder.write(variantCheckpoints.get(v), dir.resolve("variant-" + v));
            stored.add(ModelFolder.open(dir.resolve("variant-" + v)));
        }
        LayerMerge merge = LayerMerge.taskArithmetic(2);
        Path out = dir.resolve("candidate");
        ModelFolder.write(CandidateExport.of(ModelFolder.open(dir.resolve("base")), stored, merge, mixed()), out,
                ModelFolder.DEFAULT_MAX_SHARD_BYTES, Map.of(Plan.FILE,
                        CandidatePlan.of(mixed(), merge, baseCheckpoint.config()).toJson()));
        Checkpoint written = ModelFolder.read(out);
        assertEquals(expected.tensors().keySet(), written.tensors().keySet());
        for (Tensor t : expected.tensors().values()) {
            assertTrue(t.bitEquals(written.tensor(t.name())), t.name()); // streamed from the folders, merged as written
        }
        Checkpoint back = ModelFolder.read(out);
        assertEquals(4, back.config().numLayers());
        Plan plan = Plan.parse(readString(out.resolve(Plan.FILE)), "plan.json");
        assertEquals(5, plan.originalLayers());
        assertEquals(List.of(LayerOrigin.Kind.VARIANT, LayerOrigin.Kind.ORIGINAL, LayerOrigin.Kind.PARAMETER_MERGE,
                LayerOrigin.Kind.ORIGINAL), plan.layers().stream().map(LayerOrigin::kind).toList());
        assertEquals(List.of(0, 1, 3, 4), plan.layers().stream().map(l -> l.originalLayers().get(0)).toList());
        assertEquals(1, plan.layers().get(0).sources().get(0).variant());
        List<LayerOrigin.Source> merged = plan.layers().get(2).sources();
        assertEquals(java.util.Arrays.asList(null, 0, 1), merged.stream().map(LayerOrigin.Source::variant).toList());
        assertEquals(java.util.Arrays.asList(null, LAMBDA, LAMBDA),
                merged.stream().map(LayerOrigin.Source::coefficient).toList());
        assertEquals("task_arithmetic", plan.steps().get(0).parameters().get("merge_method").asText());
        assertEquals("[2]", plan.steps().get(0).parameters().get("removed").toString());
    }

    private static String readString(Path p) {
        try {
            return Files.readString(p);
        } catch (java.io.IOException ex) {
            throw new java.io.UncheckedIOException(ex);
        }
    }

    @Test
    void variantsThatDoNotMatchTheBaseAreRefusedByIndexAndFirstDifference() {
        Checkpoint small = TinyModels.random(TinyModels.config(5, 2, true), 7, DType.F32);
        try (LlamaModel other = LlamaModel.fromCheckpoint(small, Device.cpu())) {
            StrataException config = assertThrows(StrataException.class,
                    () -> new CandidateAssembler(base, List.of(variants.get(0), other)));
            assertEquals("variant 1 does not match the base: config key 'hidden_size' is 32, not 64",
                    config.getMessage());
            // the base's config over layers of other shapes: the first tensor that differs is named
            LlamaModel reshaped = base.withLayers(other.layers());
            StrataException shape = assertThrows(StrataException.class,
                    () -> new CandidateAssembler(base, List.of(reshaped)));
            assertEquals("variant 0 does not match the base: tensor 'model.layers.0.input_layernorm.weight' has shape "
                    + "[32], not [64]", shape.getMessage());
        }
        try (LlamaModel fewer = LlamaModel.fromCheckpoint(TinyModels.withoutLayer(baseCheckpoint, 4), Device.cpu())) {
            StrataException layers = assertThrows(StrataException.class,
                    () -> new CandidateAssembler(base, List.of(fewer)));
            assertEquals("variant 0 does not match the base: config key 'num_hidden_layers' is 4, not 5",
                    layers.getMessage());
        }
    }

    @Test
    void genotypesThatDoNotFitAreRefused() {
        CandidateAssembler assembler = new CandidateAssembler(base, variants);
        StrataException genes = assertThrows(StrataException.class,
                () -> assembler.assemble(new Genotype(List.of(base(), base()))));
        assertEquals("the genotype has 2 genes, the base 5 layers", genes.getMessage());
        List<Genotype.Gene> wide = new ArrayList<>(List.of(base(), base(), base(), base()));
        wide.add(taking(0.5, true, true, true));
        StrataException mask = assertThrows(StrataException.class, () -> assembler.assemble(new Genotype(wide)));
        assertEquals("gene 4 chooses among 3 variants, there are 2", mask.getMessage());
    }
}
