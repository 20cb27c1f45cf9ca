package dev.strata.pipeline.recipe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A recipe that measures a model on text it calibrated or trained on is found out; the shipped recipes hold their
 * evaluation text out. The data here is a folder laid out as ../shared/data, made by the test.
 */
class HeldOutTest {
    @TempDir
    Path dir;

    /**
     * The shipped recipes, their paths (relative to the repository root, where people run them) made absolute; and
     * each again with every half set to all, which must then be found out, so the check is not vacuous.
     */
    @Test
    void theShippedRecipesMeasureOnlyHeldOutText() throws IOException {
        Path shared = Path.of("../../shared").toAbsolutePath().normalize();
        assertTrue(Files.isRegularFile(shared.resolve("data/tinystories/valid.txt")), shared + " holds the data");
        try (Stream<Path> recipes = Files.list(Path.of("../conf/recipes"))) {
            for (Path file : recipes.filter(f -> f.toString().endsWith(".yaml")).toList()) {
                String yaml = Files.readString(file).replace("../shared/", shared + "/");
                assertEquals(List.of(), HeldOut.overlaps(Recipe.read(Files.writeString(dir.resolve("r.yaml"), yaml))),
                        file + " evaluates on its own calibration text");
                String whole = yaml.replaceAll("half: (first|second)", "half: all");
                assertTrue(!HeldOut.overlaps(Recipe.read(Files.writeString(dir.resolve("r.yaml"), whole))).isEmpty(),
                        file + " with every half 'all' must measure what it calibrated on");
            }
        }
    }

    @Test
    void textReadByTheCalibrationOrAVariantIsNamedUnlessTheHalvesDiffer() throws IOException {
        Path data = dir.resolve("data");
        Files.createDirectories(data.resolve("tinystories"));
        Files.createDirectories(data.resolve("wikitext-2"));
        Path stories = Files.writeString(data.resolve("tinystories/valid.txt"), "Once upon a time.\nThe end.\n");
        Files.writeString(data.resolve("wikitext-2/wikitext-2-raw-v1.test.joined.txt"), "= Title =\nText.\n");
        String wiki = data.resolve("wikitext-2/wikitext-2-raw-v1.test.joined.txt").toString();

        assertEquals(List.of("tinystories (calibration)"), overlaps(stories.toString(), "all", "all", data, ""));
        assertEquals(List.of("tinystories (calibration)"), overlaps(stories.toString(), "first", "first", data, ""));
        assertEquals(List.of("tinystories (calibration)"), overlaps(stories.toString(), "first", "all", data, ""));
        assertEquals(List.of(), overlaps(stories.toString(), "first", "second", data, ""));
        assertEquals(List.of(), overlaps(stories.toString(), "second", "first", data, ""));
        // a calibration folder holding the task's file, and the same file named by another path
        assertEquals(List.of("tinystories (calibration)"),
                overlaps(data.resolve("tinystories").toString(), "all", "all", data, ""));
        assertEquals(List.of("tinystories (calibration)"),
                overlaps(data.resolve("wikitext-2/../tinystories/valid.txt").toString(), "all", "all", data, ""));
        // a local glob is matched as Hadoop expands it; a remote path cannot be compared: nothing is claimed
        assertEquals(List.of("tinystories (calibration)"),
                overlaps(data.resolve("tinystories/*.txt").toString(), "all", "all", data, ""));
        assertEquals(List.of("tinystories (calibration)"),
                overlaps(data + "/{tinystories,other}/valid.tx?", "all", "all", data, ""));
        assertEquals(List.of(), overlaps(data.resolve("tinystories/*.md").toString(), "all", "all", data, ""));
        assertEquals(List.of(), overlaps(data.resolve("*.txt").toString(), "all", "all", data, ""),
                "* does not cross folders");
        assertEquals(List.of(), overlaps("s3a://bucket/valid.txt", "all", "all", data, ""));
        assertEquals(List.of(), overlaps("s3a://bucket/*.txt", "all", "all", data, ""));
        assertEquals(List.of("tinystories (calibration)"), overlaps("file://" + stories, "all", "all", data, ""));
        assertEquals(List.of("tinystories (calibration)"), overlaps("file://localhost" + stories, "all", "all", data,
                ""));
        // a variant fine-tunes on the first half of its file: held out only where the evaluation takes the second
        String variant = "variants:\n  wiki:\n    data: " + wiki + "\n";
        assertEquals(List.of("wikitext (variant wiki)"), overlaps(stories.toString(), "first", "all", data, variant)
                .subList(1, 2));
        assertEquals(List.of(), overlaps(stories.toString(), "first", "second", data, variant));
        // a variant fine-tuned on copa's even-numbered examples: held out only where copa's odd ones are measured
        String qa = "variants:\n  qa:\n    tasks: [copa]\n";
        assertEquals(List.of("copa (variant qa)"), overlaps(stories.toString(), "first", "all", data, qa)
                .subList(1, 2));
        assertEquals(List.of(), overlaps(stories.toString(), "first", "second", data, qa));
    }

    private List<String> overlaps(String calibration, String calibrationHalf, String evaluationHalf, Path data,
            String more) throws IOException {
        Path file = dir.resolve("r.yaml");
        Files.writeString(file, "name: r\nmodel: m\ncalibration:\n  data: " + calibration + "\n  half: "
                + calibrationHalf + "\n" + more + "methods:\n  - bi: {layers: 1}\nevaluate:\n  tasks: [tinystories, "
                + "wikitext, copa]\n  half: " + evaluationHalf + "\n  data_dir: " + data + "\n");
        return HeldOut.overlaps(Recipe.read(file));
    }
}
