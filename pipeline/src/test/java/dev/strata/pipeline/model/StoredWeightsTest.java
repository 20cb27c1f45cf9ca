package dev.strata.pipeline.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.pipeline.StrataException;
import dev.strata.pipeline.bench.ModelShape;
import dev.strata.pipeline.bench.RandomWeights;
import dev.strata.pipeline.testing.TinyModels;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A model folder opened without loading: each tensor whole, by rows and streamed equals the tensor ModelFolder.read
 * loads; a sharded model streamed into a new folder is the same bytes, never loaded whole.
 */
class StoredWeightsTest {
    @TempDir
    Path dir;

    @Test
    void tensorsWholeByRowsAndStreamedEqualTheLoadedOnes() {
        Checkpoint loaded = ModelFolder.read(TinyModels.STORIES);
        StoredWeights stored = ModelFolder.open(TinyModels.STORIES);
        assertEquals(List.copyOf(loaded.tensors().keySet()), stored.names());
        for (String name : stored.names()) {
            float[] expected = loaded.tensor(name).toFloatArray();
            assertArrayEquals(expected, stored.load(name).toFloatArray(), name);
            long[] shape = stored.entry(name).shape();
            long rowLength = expected.length / shape[0];
            Tensor lastRows = stored.rows(name, shape[0] - 1, 1);
            assertArrayEquals(Arrays.copyOfRange(expected, (int) (expected.length - rowLength), expected.length),
                    lastRows.toFloatArray(), name);
            FloatBuffer streamed = FloatBuffer.allocate(expected.length);
            stored.stream(name).next(streamed);
            assertArrayEquals(expected, streamed.array(), name);
        }
        StrataException e = assertThrows(StrataException.class, () -> stored.load("model.layers.9.mlp.up_proj.weight"));
        assertEquals("the model has no tensor 'model.layers.9.mlp.up_proj.weight'", e.getMessage());
    }

    @Test
    void aShardedModelStreamedIntoANewFolderIsTheSameBytes() throws Exception {
        LlamaConfig config = ModelShape.STORIES260K.config(3).withDtype(DType.BF16);
        Path original = dir.resolve("original");
        ModelFolder.write(config, Map.of(), RandomWeights.streams(config, 5), original, 60_000, Map.of());
        StoredWeights stored = ModelFolder.open(original);
        Path copy = dir.resolve("copy");
        ModelFolder.write(stored.config(), Map.of(), stored.streams(), copy, 60_000, Map.of());
        List<String> files;
        try (var list = Files.list(original)) {
            files = list.map(p -> p.getFileName().toString()).sorted().toList();
        }
        assertTrue(files.contains(ModelFolder.INDEX_FILE), "sharded: " + files);
        for (String f : files) {
            assertArrayEquals(Files.readAllBytes(original.resolve(f)), Files.readAllBytes(copy.resolve(f)), f);
        }
    }
}
