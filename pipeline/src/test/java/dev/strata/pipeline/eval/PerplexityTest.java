package dev.strata.pipeline.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.Device;
import dev.strata.pipeline.forward.LlamaModel;
import dev.strata.pipeline.model.ModelFolder;
import dev.strata.pipeline.testing.TinyModels;
import dev.strata.pipeline.tokenize.Tokenizer;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;

class PerplexityTest {
    @Test
    void sharedModelOnTinyStoriesMatchesIndependentFigure() throws Exception {
        try (LlamaModel model = LlamaModel.load(TinyModels.STORIES, Device.cpu());
                Tokenizer tokenizer = Tokenizer.load(TinyModels.STORIES, model.config())) {
            int[] tokens = tokenizer.encodeWithBos(Files.readString(TinyModels.TINYSTORIES_TEXT));
            Perplexity.Result r = Perplexity.evaluate(model, tokens, 512, 8);
            System.out.println(r + " ppl=" + r.perplexity());
            assertEquals(5.0384, r.perplexity(), 0.001);
        }
    }
}
