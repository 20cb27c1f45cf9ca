package dev.strata.jobs.cli;

import dev.strata.pipeline.forward.GreedyGenerator;
import dev.strata.pipeline.forward.LlamaModel;
import dev.strata.pipeline.tokenize.Tokenizer;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** strata generate: greedy continuation of a prompt, a quick look at what a (compressed) model says. */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Greedy (temperature 0) continuation of a prompt.")
final class GenerateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ModelOptions model;

    @Option(names = "--prompt", required = true, description = "Text to continue.")
    String prompt;

    @Option(names = "--max-tokens", paramLabel = "N", defaultValue = "256",
            description = "New tokens at most (default: ${DEFAULT-VALUE}); generation also stops at BOS or EOS.")
    int maxTokens;

    @Override
    public Integer call() {
        // Checked before the model loads; a count below 1 would otherwise print the prompt back as the answer.
        if (maxTokens < 1) {
            throw new ParameterException(spec.commandLine(), "--max-tokens must be at least 1, got " + maxTokens);
        }
        try (LlamaModel llama = model.load(); Tokenizer tokenizer = Tokenizer.load(model.model, llama.config())) {
            Set<Integer> stops = new HashSet<>(llama.config().eosTokenIds());
            if (llama.config().bosTokenId() >= 0) {
                stops.add(llama.config().bosTokenId());
            }
            int[] promptIds = tokenizer.encodeWithBos(prompt);
            int[] out = new GreedyGenerator(llama, stops).generate(promptIds, promptIds.length + maxTokens);
            new Report().put("text", tokenizer.decode(out)).print(false);
        }
        return 0;
    }
}
