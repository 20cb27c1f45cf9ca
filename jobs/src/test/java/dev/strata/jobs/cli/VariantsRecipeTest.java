package dev.strata.jobs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A recipe's fine-tuned variants (GPTailor's): each is trained on the first half of its text (a file, or question/answer
 * text of the even-numbered examples of choice tasks) and gains on the held-out half; the report says so; a rerun
 * reuses them, and a changed text is refused.
 */
class VariantsRecipeTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void variantsAreFineTunedOnOneHalfAndGainOnTheOther() throws Exception {
        String wiki = Files.readString(CliRun.SHARED.resolve("data/wikitext-2/wikitext-2-raw-v1.test.joined.txt"));
        Path wikiText = Files.writeString(dir.resolve("wiki.txt"), wiki.substring(0, 120_000));
        Path recipe = dir.resolve("variants.yaml");
        Files.writeString(recipe, String.join("\n",
                "model: " + CliRun.STORIES,
                "calibration: {data: " + CliRun.TINYSTORIES + ", seq_len: 128, samples: 16}",
                "variants:",
                "  wiki: {data: " + wikiText + ", training: {epochs: 1, learning_rate: 0.001}}",
                "  qa: {tasks: [copa, piqa], training: {epochs: 1, learning_rate: 0.001}}",
                "methods: [{bi: {layers: 1}}]",
                "evaluate: {tasks: [copa], limit: 16, half: second, data_dir: " + CliRun.SHARED.resolve("data") + "}",
                ""));
        Path out = dir.resolve("run");
        CliRun run = CliRun.of("run", recipe.toString(), "--out", out.toString(), "--master", "local[2]");
        assertEquals(0, run.exitCode(), run.err());

        String qa = Files.readString(out.resolve("variants/texts/qa/train.txt"));
        assertTrue(qa.startsWith("Question: The man turned on the faucet, therefore\nAnswer: water flowed from the "
                + "spout.\n\n"), qa.substring(0, 200)); // copa's first (even-numbered) example, its gold answer
        String heldOut = Files.readString(out.resolve("variants/texts/qa/held-out.txt"));
        assertFalse(heldOut.contains("The man turned on the faucet"), "a trained example is also held out");
        assertEquals(wiki.substring(0, 120_000), Files.readString(out.resolve("variants/texts/wiki/train.txt"))
                + Files.readString(out.resolve("variants/texts/wiki/held-out.txt")));

        JsonNode stages = JSON.readTree(out.resolve("run.json").toFile()).get("stages");
        for (String variant : new String[] {"wiki", "qa"}) {
            JsonNode gain = stages.get("variants/gain/" + variant);
            double before = gain.get("base_perplexity").asDouble();
            double after = gain.get("tuned_perplexity").asDouble();
            assertTrue(after < before, variant + ": held-out perplexity " + before + " -> " + after);
            assertTrue(Files.exists(out.resolve("variants/" + variant + "/models/finetune/tuned/model.safetensors")));
        }
        String report = Files.readString(out.resolve("report.md"));
        assertTrue(report.contains("## Variants"), report);
        assertTrue(report.contains("|wiki|the first half of " + wikiText + "|"), report);
        assertTrue(report.contains("|variants/wiki/models/finetune/tuned|"), report);

        CliRun again = CliRun.of("run", recipe.toString(), "--out", out.toString(), "--master", "local[2]");
        assertEquals(0, again.exitCode(), again.err());
        assertTrue(again.err().contains("models/finetune/tuned: reusing"), again.err());
        assertFalse(again.err().contains("Progress - finetune"), "a variant was trained again");

        Files.writeString(wikiText, wiki.substring(1, 120_001));
        CliRun changed = CliRun.of("run", recipe.toString(), "--out", out.toString(), "--master", "local[2]");
        assertEquals(1, changed.exitCode(), changed.err());
        assertTrue(changed.lastErrLine().contains(": the text of variant wiki (the first half of " + wikiText
                + ") changed since this folder's run (train.txt: "), changed.lastErrLine());
    }
}
