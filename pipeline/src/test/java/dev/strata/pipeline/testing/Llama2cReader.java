package dev.strata.pipeline.testing;

import dev.strata.pipeline.model.Checkpoint;
import dev.strata.pipeline.model.DType;
import dev.strata.pipeline.model.LlamaConfig;
import dev.strata.pipeline.model.LlamaLayout;
import dev.strata.pipeline.model.LlamaLayout.LayerTensor;
import dev.strata.pipeline.model.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Test-only reader of a llama2.c v0 checkpoint that keeps llama2.c's own row order (interleaved rotary pairs),
 * written independently of the importer, for the reference forward pass with interleaved RoPE.
 */
public final class Llama2cReader {
    private Llama2cReader() {
    }

    public static Checkpoint readUnpermuted(Path bin) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(bin)).order(ByteOrder.LITTLE_ENDIAN);
        int dim = b.getInt();
        int hidden = b.getInt();
        int layers = b.getInt();
        int heads = b.getInt();
        int kvHeads = b.getInt();
        int vocab = b.getInt();
        int seqLen = b.getInt();
        boolean shared = vocab > 0;
        vocab = Math.abs(vocab);
        int hs = dim / heads;
        LlamaConfig config = LlamaConfig.builder().hiddenSize(dim).intermediateSize(hidden).numLayers(layers)
                .numHeads(heads).numKvHeads(kvHeads).vocabSize(vocab).maxPositions(seqLen).rmsNormEps(1e-5)
                .ropeTheta(10000).tieWordEmbeddings(shared).build();
        FloatBuffer f = b.asFloatBuffer();
        Map<String, float[]> raw = new LinkedHashMap<>();
        raw.put(LlamaLayout.EMBED, next(f, vocab * dim));
        String[][] order = {
            names(LayerTensor.INPUT_NORM, layers), names(LayerTensor.Q_PROJ, layers), names(LayerTensor.K_PROJ, layers),
            names(LayerTensor.V_PROJ, layers), names(LayerTensor.O_PROJ, layers),
            names(LayerTensor.POST_ATTENTION_NORM, layers), names(LayerTensor.GATE_PROJ, layers),
            names(LayerTensor.DOWN_PROJ, layers), names(LayerTensor.UP_PROJ, layers)};
        int[] sizes = {dim, heads * hs * dim, kvHeads * hs * dim, kvHeads * hs * dim, heads * hs * dim, dim,
            hidden * dim, dim * hidden, hidden * dim};
        for (int k = 0; k < order.length; k++) {
            for (String name : order[k]) {
                raw.put(name, next(f, sizes[k]));
            }
        }
        raw.put(LlamaLayout.FINAL_NORM, next(f, dim));
        f.position(f.position() + seqLen * hs);
        if (!shared) {
            raw.put(LlamaLayout.LM_HEAD, next(f, vocab * dim));
        }
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        LlamaLayout.expectedShapes(config).forEach((name, shape) ->
                tensors.put(name, Tensor.of(name, DType.F32, shape, raw.get(name))));
        return new Checkpoint(config, tensors, Map.of());
    }

    private static String[] names(LayerTensor t, int layers) {
        String[] out = new String[layers];
        for (int l = 0; l < layers; l++) {
            out[l] = t.name(l);
        }
        return out;
    }

    private static float[] next(FloatBuffer f, int n) {
        float[] out = new float[n];
        f.get(out);
        return out;
    }
}
