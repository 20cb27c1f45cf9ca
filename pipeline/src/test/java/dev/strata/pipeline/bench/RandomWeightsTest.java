package dev.strata.pipeline.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.pipeline.model.Checkpoint;
import dev.strata.pipeline.model.DType;
import dev.strata.pipeline.model.LlamaConfig;
import dev.strata.pipeline.model.LlamaLayout;
import dev.strata.pipeline.model.ModelFolder;
import dev.strata.pipeline.model.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Random weights written as streams, chunk by chunk and in shards, read back as the values the generator's recipe
 * (written out again here) gives: a seeded split per matrix in order, uniform on ±0.02·√3, norms 1.
 */
class RandomWeightsTest {
    @TempDir
    Path dir;

    @Test
    void streamedShardsReadBackAsTheSeedsValuesInTheirStorageType() throws Exception {
        LlamaConfig config = ModelShape.STORIES260K.config(3).withDtype(DType.BF16);
        Path out = dir.resolve("synth");
        ModelFolder.write(config, Map.of(), RandomWeights.streams(config, 42), out, 200_000, Map.of());
        assertTrue(Files.exists(out.resolve(ModelFolder.INDEX_FILE)), "200 KB shards: an index");
        Checkpoint read = ModelFolder.read(out);
        assertEquals(config.dtype(), read.config().dtype());

        SplittableRandom root = new SplittableRandom(42);
        double halfWidth = 0.02 * Math.sqrt(3);
        for (Map.Entry<String, long[]> e : LlamaLayout.expectedShapes(config).entrySet()) {
            Tensor t = read.tensor(e.getKey());
            assertEquals(DType.BF16, t.dtype(), e.getKey());
            assertArrayEquals(e.getValue(), t.shape(), e.getKey());
            float[] expected = new float[t.numel()];
            SplittableRandom rng = e.getValue().length == 1 ? null : root.split();
            for (int i = 0; i < expected.length; i++) {
                expected[i] = rng == null ? 1f : bf16((float) ((rng.nextDouble() * 2 - 1) * halfWidth));
            }
            assertArrayEquals(expected, t.toFloatArray(), e.getKey());
        }
    }

    @Test
    void streamsAndTheLoadedCheckpointWriteTheSameBytes() throws Exception {
        LlamaConfig config = ModelShape.STORIES260K.config(2).withDtype(DType.F16);
        ModelFolder.write(RandomWeights.checkpoint(config, 9), dir.resolve("loaded"), 50_000);
        ModelFolder.write(config, Map.of(), RandomWeights.streams(config, 9), dir.resolve("streamed"), 50_000,
                Map.of());
        List<String> files;
        try (var list = Files.list(dir.resolve("loaded"))) {
            files = list.map(p -> p.getFileName().toString()).sorted().toList();
        }
        assertTrue(files.size() > 3, "sharded: " + files);
        for (String f : files) {
            assertArrayEquals(Files.readAllBytes(dir.resolve("loaded").resolve(f)),
                    Files.readAllBytes(dir.resolve("streamed").resolve(f)), f);
        }
    }

    /** Round to the nearest bfloat16, ties to even, worked on the bits. */
    private static float bf16(float v) {
        int bits = Float.floatToRawIntBits(v);
        int rounded = bits + 0x7fff + ((bits >>> 16) & 1);
        return Float.intBitsToFloat(rounded & 0xffff0000);
    }

    @Test
    void theBf16RoundingWorkedHereMatchesTheCodec() {
        FloatBuffer in = FloatBuffer.wrap(new float[] {0.0123456f, -0.0345678f, 1f / 3});
        ByteBuffer bytes = ByteBuffer.allocate(6).order(ByteOrder.LITTLE_ENDIAN);
        DType.BF16.encode(in, bytes, 3);
        FloatBuffer back = FloatBuffer.allocate(3);
        DType.BF16.decode(bytes.flip(), back, 3);
        assertArrayEquals(new float[] {bf16(0.0123456f), bf16(-0.0345678f), bf16(1f / 3)}, back.array());
    }
}
