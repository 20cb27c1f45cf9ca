package dev.strata.pipeline.model;

import dev.strata.pipeline.StrataException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Imports a llama2.c checkpoint in the legacy (version 0) export format: a header of seven int32 (dim,
 * hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size, seq_len; a negative vocab_size means an untied
 * classifier) followed by float32 weights. llama2.c rotates interleaved pairs in RoPE while Hugging Face
 * rotates halves, so the rows of q and k are permuted within each head on import.
 */
public final class Llama2cImporter {
    private static final int HEADER_INTS = 7;
    private static final int VERSIONED_MAGIC = 0x616b3432; // "ak42", the header of export versions 1 and 2

    private Llama2cImporter() {
    }

    /** Imports weights and tokenizer; the result validates like any Hugging Face model folder. */
    public static Checkpoint importModel(Path modelFile, Path tokenizerFile) {
        Header h;
        FloatBuffer weights;
        try (FileChannel ch = FileChannel.open(modelFile, StandardOpenOption.READ)) {
            h = readHeader(ch, modelFile);
            long expected = HEADER_INTS * 4L + h.floatCount() * 4L;
            if (ch.size() != expected) {
                throw new StrataException(modelFile + ": file has " + ch.size() + " bytes but the header " + h
                        + " implies " + expected + (ch.size() < expected ? " (truncated?)" : ""));
            }
            ByteBuffer bytes = ByteBuffer.allocate(Math.toIntExact(h.floatCount() * 4L)).order(ByteOrder.LITTLE_ENDIAN);
            while (bytes.hasRemaining()) {
                if (ch.read(bytes, HEADER_INTS * 4L + bytes.position()) < 0) {
                    throw new StrataException(modelFile + ": file is truncated");
                }
            }
            weights = bytes.flip().asFloatBuffer();
        } catch (NoSuchFileException ex) {
            throw new StrataException(modelFile + ": file does not exist");
        } catch (IOException ex) {
            throw new UncheckedIOException(modelFile + ": cannot read: " + ex.getMessage(), ex);
        } catch (ArithmeticException ex) {
            throw new StrataException(modelFile + ": checkpoint is too large to import in one buffer");
        }
        LlamaConfig config = h.config();
        Llama2cVocab vocab = Llama2cVocab.read(tokenizerFile, h.vocabSize);
        Map<String, byte[]> assets = new LinkedHashMap<>();
        assets.put("tokenizer.json", vocab.toTokenizerJson().getBytes(StandardCharsets.UTF_8));
        assets.put("tokenizer_config.json", vocab.tokenizerConfigJson(h.seqLen).getBytes(StandardCharsets.UTF_8));
        assets.put("generation_config.json", "{\n  \"bos_token_id\": 1,\n  \"eos_token_id\": 2\n}\n"
                .getBytes(StandardCharsets.UTF_8));
        return new Checkpoint(config, tensors(h, config, weights), assets);
    }

    private record Header(int dim, int hiddenDim, int layers, int heads, int kvHeads, int vocabSize, boolean shared,
            int seqLen) {
        int headSize() {
            return dim / heads;
        }

        long floatCount() {
            long d = dim;
            long l = layers;
            long hs = headSize();
            long perLayer = d + d * heads * hs + 2 * d * kvHeads * hs + heads * hs * d + d + 3 * d * hiddenDim;
            return d * vocabSize + l * perLayer + d + (long) seqLen * hs + (shared ? 0 : (long) vocabSize * d);
        }

        LlamaConfig config() {
            return LlamaConfig.builder().hiddenSize(dim).intermediateSize(hiddenDim).numLayers(layers).numHeads(heads)
                    .numKvHeads(kvHeads).vocabSize(vocabSize).maxPositions(seqLen).rmsNormEps(1e-5).ropeTheta(10000.0)
                    .tieWordEmbeddings(shared).dtype(DType.F32).build();
        }

        @Override
        public String toString() {
            return "(dim=" + dim + ", hidden_dim=" + hiddenDim + ", n_layers=" + layers + ", n_heads=" + heads
                    + ", n_kv_heads=" + kvHeads + ", vocab_size=" + (shared ? vocabSize : -vocabSize)
                    + ", seq_len=" + seqLen + ")";
        }
    }

    private static Header readHeader(FileChannel ch, Path file) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(HEADER_INTS * 4).order(ByteOrder.LITTLE_ENDIAN);
        while (b.hasRemaining()) {
            if (ch.read(b, b.position()) < 0) {
                throw new StrataException(file + ": file is " + ch.size() + " bytes, too short for a llama2.c header");
            }
        }
        b.flip();
        int[] v = new int[HEADER_INTS];
        for (int i = 0; i < HEADER_INTS; i++) {
            v[i] = b.getInt();
        }
        if (v[0] == VERSIONED_MAGIC) {
            throw new StrataException(file + ": llama2.c export version " + v[1]
                    + " is not supported (only the legacy version 0 format)");
        }
        Header h = new Header(v[0], v[1], v[2], v[3], v[4], Math.abs(v[5]), v[5] > 0, v[6]);
        boolean positive = h.dim > 0 && h.hiddenDim > 0 && h.layers > 0 && h.heads > 0 && h.kvHeads > 0
                && v[5] != 0 && v[5] != Integer.MIN_VALUE && h.seqLen > 0;
        if (!positive || h.dim % h.heads != 0 || h.heads % h.kvHeads != 0 || h.headSize() % 2 != 0) {
            throw new StrataException(file + ": not a llama2.c checkpoint: header " + h
                    + " needs positive sizes, dim divisible by n_heads, n_heads by n_kv_heads, and an even head size");
        }
        return h;
    }

    private static Map<String, Tensor> tensors(Header h, LlamaConfig config, FloatBuffer w) {
        int d = h.dim;
        int hs = h.headSize();
        int q = h.heads * hs;
        int kv = h.kvHeads * hs;
        int ff = h.hiddenDim;
        int layers = h.layers;
        Map<String, Tensor> t = new LinkedHashMap<>();
        t.put(LlamaLayout.EMBED, take(w, LlamaLayout.EMBED, h.vocabSize, d));
        float[][] attnNorm = takeLayers(w, layers, d);
        float[][] wq = takeLayers(w, layers, q * d);
        float[][] wk = takeLayers(w, layers, kv * d);
        float[][] wv = takeLayers(w, layers, kv * d);
        float[][] wo = takeLayers(w, layers, d * q);
        float[][] ffnNorm = takeLayers(w, layers, d);
        float[][] w1 = takeLayers(w, layers, ff * d);
        float[][] w2 = takeLayers(w, layers, d * ff);
        float[][] w3 = takeLayers(w, layers, ff * d);
        Tensor finalNorm = take(w, LlamaLayout.FINAL_NORM, d);
        w.position(w.position() + h.seqLen * hs); // freq_cis_real and freq_cis_imag: RoPE tables, derived
        for (int l = 0; l < layers; l++) {
            put(t, LlamaLayout.LayerTensor.INPUT_NORM, l, config, attnNorm[l]);
            put(t, LlamaLayout.LayerTensor.Q_PROJ, l, config, interleavedToHalves(wq[l], h.heads, hs, d));
            put(t, LlamaLayout.LayerTensor.K_PROJ, l, config, interleavedToHalves(wk[l], h.kvHeads, hs, d));
            put(t, LlamaLayout.LayerTensor.V_PROJ, l, config, wv[l]);
            put(t, LlamaLayout.LayerTensor.O_PROJ, l, config, wo[l]);
            put(t, LlamaLayout.LayerTensor.POST_ATTENTION_NORM, l, config, ffnNorm[l]);
            put(t, LlamaLayout.LayerTensor.GATE_PROJ, l, config, w1[l]);
            put(t, LlamaLayout.LayerTensor.UP_PROJ, l, config, w3[l]);
            put(t, LlamaLayout.LayerTensor.DOWN_PROJ, l, config, w2[l]);
        }
        t.put(LlamaLayout.FINAL_NORM, finalNorm);
        if (!h.shared) {
            t.put(LlamaLayout.LM_HEAD, take(w, LlamaLayout.LM_HEAD, h.vocabSize, d));
        }
        Map<String, Tensor> ordered = new LinkedHashMap<>();
        LlamaLayout.expectedShapes(config).keySet().forEach(name -> ordered.put(name, t.get(name)));
        return ordered;
    }

    private static void put(Map<String, Tensor> out, LlamaLayout.LayerTensor kind, int layer, LlamaConfig config,
            float[] values) {
        String name = kind.name(layer);
        out.put(name, Tensor.of(name, DType.F32, kind.shape(config), values));
    }

    private static Tensor take(FloatBuffer w, String name, long... shape) {
        float[] values = new float[(int) Tensor.checkedElementCount(name, shape)];
        w.get(values);
        return Tensor.of(name, DType.F32, shape, values);
    }

    private static float[][] takeLayers(FloatBuffer w, int layers, int perLayer) {
        float[][] out = new float[layers][perLayer];
        for (float[] layer : out) {
            w.get(layer);
        }
        return out;
    }

    /**
     * Reorders the rows of a q or k projection [heads * headSize, in] from llama2.c's interleaved rotary pairs
     * (rows 2i, 2i+1 rotate together) to Hugging Face's halves (rows i, i + headSize/2 rotate together).
     */
    static float[] interleavedToHalves(float[] w, int heads, int headSize, int in) {
        float[] out = new float[w.length];
        int half = headSize / 2;
        for (int head = 0; head < heads; head++) {
            for (int i = 0; i < half; i++) {
                for (int pair = 0; pair < 2; pair++) {
                    int from = head * headSize + 2 * i + pair;
                    int to = head * headSize + pair * half + i;
                    System.arraycopy(w, from * in, out, to * in, in);
                }
            }
        }
        return out;
    }
}
