package dev.strata.pipeline.forward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.strata.pipeline.StrataException;
import dev.strata.pipeline.data.TokenWindow;
import dev.strata.pipeline.eval.Perplexity;
import dev.strata.pipeline.model.ModelFolder;
import dev.strata.pipeline.model.StoredWeights;
import dev.strata.pipeline.score.LayerScores;
import dev.strata.pipeline.score.Scorer;
import dev.strata.pipeline.testing.ArrayDifference;
import dev.strata.pipeline.testing.TinyModels;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * F16 compute on the CPU against F32 on the shared model: the half-precision products stay within the stated
 * tolerances (logits 1%, perplexity 0.5%, layer scores 0.01), results come back as F32, a streamed F16 pass equals the
 * held F16 pass, and BF16 is refused in one line.
 */
class HalfPrecisionTest {
    /** Largest logit difference relative to the largest logit magnitude. */
    static final double LOGIT_TOLERANCE = 1e-2;
    static final double PPL_TOLERANCE = 5e-3;
    static final double SCORE_TOLERANCE = 1e-2;

    @Test
    void f16AgreesWithF32WithinTheStatedTolerances() throws Exception {
        List<TokenWindow> windows = TinyModels.storyWindows(ModelFolder.readConfig(TinyModels.STORIES), 6, 64);
        List<int[]> ids = windows.stream().map(TokenWindow::tokens).toList();
        StoredWeights stored = ModelFolder.open(TinyModels.STORIES);
        MemoryBudget roomy = new MemoryBudget(stored.f32Bytes(), "test");
        MemoryBudget oneLayer = new MemoryBudget(stored.layerF32Bytes(0) + 4L * 64 * 100, "test");
        try (LlamaModel f32 = LlamaModel.open(TinyModels.STORIES, Device.cpu(), roomy, ComputeType.F32);
                LlamaModel f16 = LlamaModel.open(TinyModels.STORIES, Device.cpu(), roomy, ComputeType.F16);
                LlamaModel f16Streamed = LlamaModel.open(TinyModels.STORIES, Device.cpu(), oneLayer, ComputeType.F16);
                NDManager scope = f32.newScope()) {
            assertEquals(DataType.FLOAT16, f16.layers().get(0).attention().wq().getDataType());
            NDArray tokens = f32.tokens(scope, ids.subList(0, 2));
            NDArray expected = f32.logits(tokens);
            NDArray half = f16.logits(tokens);
            assertEquals(DataType.FLOAT32, half.getDataType());
            double difference = ArrayDifference.relative(expected, half);
            assertTrue(difference > 0, "F16 must differ from F32 somewhere, or it did not compute in F16");
            assertTrue(difference <= LOGIT_TOLERANCE, "logits differ by " + difference);
            assertTrue(ArrayDifference.relative(half, f16Streamed.logits(tokens)) <= 1e-6, "streamed F16 equals held F16");

            double pplF32 = Perplexity.evaluateWindows(f32, ids, 3).perplexity();
            double pplF16 = Perplexity.evaluateWindows(f16, ids, 3).perplexity();
            assertTrue(Math.abs(pplF16 / pplF32 - 1) <= PPL_TOLERANCE, "perplexity " + pplF32 + " vs " + pplF16);

            LayerScores s32 = Scorer.score(f32, windows.iterator(), 3, null).scores();
            LayerScores s16 = Scorer.score(f16, windows.iterator(), 3, null).scores();
            for (int i = 0; i < s32.layers().size(); i++) {
                double a = s32.layers().get(i).value();
                double b = s16.layers().get(i).value();
                assertTrue(Math.abs(a - b) <= SCORE_TOLERANCE * Math.max(1, Math.abs(a)),
                        s32.layers().get(i) + " vs " + b);
            }
        }
    }

    @Test
    void bf16ComputeIsRefusedInOneLine() {
        StrataException ex = assertThrows(StrataException.class, () -> ComputeType.parse("bf16", "--dtype"));
        assertEquals("--dtype bf16: DJL 0.36 cannot compute in bfloat16 (a bfloat16 array ends the JVM); use f16 on "
                + "a GPU, or f32", ex.getMessage());
        assertEquals("--dtype 'f8' is not a compute type (expected f32 or f16)",
                assertThrows(StrataException.class, () -> ComputeType.parse("f8", "--dtype")).getMessage());
        assertEquals(ComputeType.F32, ComputeType.current(Device.cpu(), dev.strata.pipeline.model.DType.F16));
    }
}
