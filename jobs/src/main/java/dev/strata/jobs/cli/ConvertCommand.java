package dev.strata.jobs.cli;

import dev.strata.pipeline.model.Checkpoint;
import dev.strata.pipeline.model.Llama2cImporter;
import dev.strata.pipeline.model.ModelFolder;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** strata convert: imports checkpoints of other formats into Hugging Face model folders. */
@Command(name = "convert", description = "Convert a checkpoint into a Hugging Face Llama folder.",
        subcommands = ConvertCommand.Llama2c.class, mixinStandardHelpOptions = true)
final class ConvertCommand {

    @Command(name = "llama2c", mixinStandardHelpOptions = true,
            description = "Import a llama2.c checkpoint (legacy v0 export) and its tokenizer.bin.")
    static final class Llama2c implements Callable<Integer> {
        @Option(names = "--model", required = true, paramLabel = "X.bin", description = "llama2.c checkpoint.")
        Path model;

        @Option(names = "--tokenizer", required = true, paramLabel = "T.bin", description = "llama2.c tokenizer.bin.")
        Path tokenizer;

        @Option(names = "--out", required = true, paramLabel = "DIR", description = "New model folder (must not exist).")
        Path out;

        @Option(names = "--shard-size", paramLabel = "BYTES", defaultValue = "5000000000",
                description = "Largest safetensors file before sharding (default: ${DEFAULT-VALUE}).")
        long shardSize;

        @Override
        public Integer call() {
            Checkpoint checkpoint = Llama2cImporter.importModel(model, tokenizer);
            ModelFolder.write(checkpoint, out, shardSize);
            new Report().put("model", out.toString()).put("config", checkpoint.config().toString())
                    .put("tensors", checkpoint.tensors().size()).print(false);
            return 0;
        }
    }
}
