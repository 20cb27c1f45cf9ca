package dev.strata.jobs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.strata.pipeline.model.Checkpoint;
import dev.strata.pipeline.model.ModelFolder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * strata finetune on the shared model: trained on one part of WikiText-2 (text unlike the TinyStories it was made on),
 * every decoder layer changes, the embeddings and final norm stay the base's, and the perplexity on another part of
 * WikiText-2, never trained on, falls.
 */
class FinetuneCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path WIKI = CliRun.SHARED.resolve("data/wikitext-2/wikitext-2-raw-v1.test.joined.txt");

    @TempDir
    Path dir;

    @Test
    void aFineTuneOnWikiTextLowersThePerplexityOfHeldOutWikiText() throws Exception {
        String wiki = Files.readString(WIKI);
        Path train = Files.writeString(dir.resolve("train.txt"), wiki.substring(0, 60_000));
        Path heldOut = Files.writeString(dir.resolve("held-out.txt"), wiki.substring(wiki.length() - 30_000));
        Path out = dir.resolve("run");
        String[] args = {"finetune", "--model", CliRun.STORIES.toString(), "--data", train.toString(), "--out",
            out.toString(), "--seq-len", "128", "--epochs", "2", "--lr", "1e-3", "--train-batch", "8", "--master",
            "local[2]"};
        CliRun run = CliRun.of(args);
        assertEquals(0, run.exitCode(), run.err());
        Path tuned = out.resolve("models/finetune/tuned");
        assertTrue(run.out().startsWith("finetune  loss "), run.out());

        Checkpoint base = ModelFolder.read(CliRun.STORIES);
        Checkpoint after = ModelFolder.read(tuned);
        for (String name : base.tensors().keySet()) {
            boolean same = base.tensor(name).bitEquals(after.tensor(name));
            assertEquals(!name.startsWith("model.layers."), same, name + (same ? " did not change" : " changed"));
        }

        double before = ppl(CliRun.STORIES, heldOut);
        double tunedPpl = ppl(tuned, heldOut);
        assertTrue(tunedPpl < 0.8 * before, "held-out WikiText perplexity " + before + " -> " + tunedPpl);

        CliRun again = CliRun.of(args);
        assertEquals(0, again.exitCode(), again.err());
        assertTrue(again.err().contains("models/finetune/tuned: reusing"), again.err());
        assertFalse(again.err().contains("Progress - finetune"), "trained again: " + again.err());
    }

    private static double ppl(Path model, Path text) throws Exception {
        CliRun ppl = CliRun.of("ppl", "--model", model.toString(), "--data", text.toString(), "--seq-len", "128",
                "--json");
        assertEquals(0, ppl.exitCode(), ppl.err());
        JsonNode result = JSON.readTree(ppl.out());
        return result.get("perplexity").asDouble();
    }
}
