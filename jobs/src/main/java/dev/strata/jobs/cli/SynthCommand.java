package dev.strata.jobs.cli;

import dev.strata.pipeline.StrataException;
import dev.strata.pipeline.bench.ModelShape;
import dev.strata.pipeline.bench.RandomWeights;
import dev.strata.pipeline.forward.ComputeType;
import dev.strata.pipeline.model.DType;
import dev.strata.pipeline.model.LlamaConfig;
import dev.strata.pipeline.model.ModelFolder;
import dev.strata.pipeline.model.TensorStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * strata synth: a seeded random-weight checkpoint of a published shape, written as the hub shards it, with one chunk
 * of weights in memory whatever its size: the model for scale tests and benchmarks where real weights are not at
 * hand.
 */
@Command(name = "synth", mixinStandardHelpOptions = true,
        description = {"Write a seeded random-weight Llama checkpoint of a published shape (uniform weights of "
            + "standard deviation 0.02, norms 1), sharded like the hub's, without holding it in memory."})
final class SynthCommand implements Callable<Integer> {
    private static final List<String> TOKENIZER_FILES = List.of("tokenizer.json", "tokenizer_config.json",
            "special_tokens_map.json");

    @Option(names = "--shape", required = true, paramLabel = "NAME",
            description = "stories260k, tinyllama-1.1b, llama2-7b, llama2-13b, llama3-8b, mistral-7b or qwen2-7b.")
    String shape;

    @Option(names = "--layers", paramLabel = "K", description = "Decoder layers (default: the shape's).")
    Integer layers;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "1234", description = "Seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--shard-size", paramLabel = "BYTES", defaultValue = "5000000000",
            description = "Largest safetensors file before sharding (default: ${DEFAULT-VALUE}).")
    long shardSize;

    @Option(names = "--tokenizer", paramLabel = "DIR",
            description = "A model folder whose tokenizer files (tokenizer.json, ...) to copy; its vocabulary must "
                + "be the shape's. Without one the folder holds config and weights only.")
    Path tokenizer;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "New model folder (must not exist).")
    Path out;

    @Override
    public Integer call() {
        ModelShape s = ModelShape.parse(shape);
        int numLayers = layers == null ? s.layers() : layers;
        if (numLayers < 1) {
            throw new StrataException("--layers must be at least 1, got " + numLayers);
        }
        // --dtype is a global option: for synth, the storage type
        LlamaConfig config = s.config(numLayers).withDtype(storage(System.getProperty(ComputeType.PROPERTY, "bf16")));
        List<TensorStream> weights = RandomWeights.streams(config, seed);
        long bytes = weights.stream().mapToLong(TensorStream::storedBytes).sum();
        ModelFolder.write(config, tokenizerFiles(), weights, out, shardSize, Map.of());
        new Report().put("model", out.toString()).put("config", config.toString())
                .put("bytes", bytes, String.format(Locale.ROOT, "%,d (%.1f GB)", bytes, bytes / 1e9)).print(false);
        return 0;
    }

    private static DType storage(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "f32", "float32" -> DType.F32;
            case "f16", "float16" -> DType.F16;
            case "bf16", "bfloat16" -> DType.BF16;
            default -> throw new StrataException("--dtype '" + name + "' is not a storage type (expected f32, f16 "
                    + "or bf16)");
        };
    }

    private Map<String, byte[]> tokenizerFiles() {
        Map<String, byte[]> files = new LinkedHashMap<>();
        if (tokenizer == null) {
            return files;
        }
        if (!Files.isRegularFile(tokenizer.resolve("tokenizer.json"))) {
            throw new StrataException("--tokenizer " + tokenizer + ": no tokenizer.json there");
        }
        try {
            for (String name : TOKENIZER_FILES) {
                if (Files.isRegularFile(tokenizer.resolve(name))) {
                    files.put(name, Files.readAllBytes(tokenizer.resolve(name)));
                }
            }
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        return files;
    }
}
