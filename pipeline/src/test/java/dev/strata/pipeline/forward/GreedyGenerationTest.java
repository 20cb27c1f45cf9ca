package dev.strata.pipeline.forward;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.Device;
import dev.strata.pipeline.testing.TinyModels;
import dev.strata.pipeline.tokenize.Tokenizer;
import java.nio.file.Files;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Greedy decoding of the shared model reproduces the temperature-0 sample published with it. */
class GreedyGenerationTest {
    @Test
    void reproducesPublishedSample() throws Exception {
        String note = Files.readString(TinyModels.STORIES_LLAMA2C.resolve("stories260K.md"));
        String block = note.substring(note.indexOf("-t 0.0\n") + "-t 0.0\n".length());
        String expected = block.substring(0, block.indexOf("```")).strip();
        try (LlamaModel model = LlamaModel.load(TinyModels.STORIES, Device.cpu());
                Tokenizer tokenizer = Tokenizer.load(TinyModels.STORIES, model.config())) {
            // llama2.c's run.c with its default 256 steps: BOS plus 256 tokens (prompt included), stopping at BOS
            int[] out = new GreedyGenerator(model, Set.of(1, 2)).generate(tokenizer.encodeWithBos("Once upon a time"), 257);
            assertEquals(expected, tokenizer.decode(out).strip());
        }
    }
}
