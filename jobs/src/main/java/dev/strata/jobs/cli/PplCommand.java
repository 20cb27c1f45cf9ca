package dev.strata.jobs.cli;

import dev.strata.pipeline.StrataException;
import dev.strata.pipeline.eval.DataHalf;
import dev.strata.pipeline.eval.Perplexity;
import dev.strata.pipeline.forward.LlamaModel;
import dev.strata.pipeline.tokenize.Tokenizer;
import dev.strata.pipeline.util.TextFiles;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** strata ppl: perplexity of a model on a text file. */
@Command(name = "ppl", mixinStandardHelpOptions = true,
        description = {"Perplexity of a model on a text file.",
            "The file is tokenized as one text with one BOS at the start and cut into non-overlapping windows of "
                + "--seq-len tokens (the last partial window is dropped); each window's first token is context only."})
final class PplCommand implements Callable<Integer> {
    private static final Logger LOG = LogManager.getLogger(PplCommand.class);

    @Mixin
    ModelOptions model;

    @Option(names = "--data", required = true, paramLabel = "FILE", description = "UTF-8 text file.")
    Path data;

    @Option(names = "--seq-len", paramLabel = "N", description = "Window length in tokens (default: the model's context).")
    Integer seqLen;

    @Option(names = "--batch", paramLabel = "B", defaultValue = "8", description = "Windows per forward pass (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--windows", paramLabel = "N",
            description = "Evaluate only the first N windows (default: every window of the text).")
    Integer windows;

    @Option(names = "--half", paramLabel = "HALF", defaultValue = "all",
            description = "Which half of the text: all, first or second (cut at the first line break past its middle, "
                + "as calibration.half and evaluate.half cut it), so that a model is measured on the half it was not "
                + "calibrated or trained on (default: ${DEFAULT-VALUE}).")
    String half;

    @Option(names = "--json", description = "Print the result as JSON.")
    boolean json;

    @Override
    public Integer call() {
        DataHalf part = java.util.Arrays.stream(DataHalf.values()).filter(h -> h.id().equals(half)).findFirst()
                .orElseThrow(() -> new StrataException("--half " + half + ": expected all, first or second"));
        String text = part.of(TextFiles.read(data, ""));
        try (LlamaModel llama = model.load(); Tokenizer tokenizer = Tokenizer.load(model.model, llama.config())) {
            int[] tokens = tokenizer.encodeWithBos(text);
            int n = seqLen != null ? seqLen : llama.config().maxPositions();
            LOG.info("ppl: {} tokens from {}, windows of {} on {}", tokens.length, data, n, llama.device());
            Perplexity.Result r = Perplexity.evaluate(llama, tokens, n, batch,
                    windows != null ? windows : Integer.MAX_VALUE);
            new Report()
                    .put("model", model.model.toString())
                    .put("data", data.toString())
                    .put("half", part.id())
                    .put("device", llama.device().toString())
                    .put("tokens", r.tokens())
                    .put("seq_len", r.seqLen())
                    .put("windows", r.windows())
                    .put("predicted_tokens", r.predicted())
                    .put("nll", r.nll(), String.format("%.4f", r.nll()))
                    .put("perplexity", r.perplexity(), String.format("%.4f", r.perplexity()))
                    .put("tokens_per_second", r.tokensPerSecond(), String.format("%,.0f", r.tokensPerSecond()))
                    .put("seconds", r.seconds(), String.format("%.1f", r.seconds()))
                    .print(json);
        }
        return 0;
    }
}
