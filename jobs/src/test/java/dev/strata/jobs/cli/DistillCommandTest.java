package dev.strata.jobs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.strata.pipeline.compress.Plan;
import dev.strata.pipeline.model.ModelFolder;
import dev.strata.pipeline.surgery.LayerSurgery;
import java.util.List;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** strata distill refuses a plan or a student that does not belong to the teacher, before Spark starts. */
class DistillCommandTest {
    @TempDir
    Path dir;

    @Test
    void aPlanOrStudentOfAnotherModelIsRefusedBeforeSparkStarts() throws Exception {
        Path out = dir.resolve("out");
        Path plan = dir.resolve(Plan.FILE);
        // the identity plan of stories260K: 5 layers, each its own original
        Files.writeString(plan, Plan.identity(ModelFolder.readConfig(CliRun.STORIES)).toJson());
        Path fourLayers = dir.resolve("four");
        ModelFolder.write(LayerSurgery.remove(ModelFolder.read(CliRun.STORIES), List.of(2)), fourLayers);
        CliRun wrongStudent = distill(fourLayers.toString(), plan, out);
        assertEquals(1, wrongStudent.exitCode(), wrongStudent.err());
        assertEquals("strata: error: --plan " + plan + ": describes a student of 5 layers, but " + fourLayers + " has 4",
                wrongStudent.lastErrLine());
        Path shortPlan = dir.resolve("short.json");
        Files.writeString(shortPlan, "{\"original_layers\": 4, \"layers\": [], \"steps\": []}");
        assertEquals("strata: error: --plan " + shortPlan + ": describes a teacher of 4 layers, but " + CliRun.STORIES
                + " has 5", distill(CliRun.STORIES.toString(), shortPlan, out).lastErrLine());
        Path broken = dir.resolve("broken.json");
        Files.writeString(broken, "{\"original_layers\": 5, \"layers\": [{\"sources\": []}], \"steps\": []}");
        assertEquals("strata: error: " + broken + ": layer 0 has no sources",
                distill(CliRun.STORIES.toString(), broken, out).lastErrLine());
        Path missing = dir.resolve("missing.json");
        assertEquals("strata: error: " + missing + ": does not exist (--plan)",
                distill(CliRun.STORIES.toString(), missing, out).lastErrLine());
        assertFalse(Files.exists(out), "a refused run wrote " + out);
    }

    private static CliRun distill(String student, Path plan, Path out) {
        return CliRun.of("distill", "--teacher", CliRun.STORIES.toString(), "--student", student, "--plan",
                plan.toString(), "--data", CliRun.TINYSTORIES.toString(), "--out", out.toString(), "--master", "local[1]");
    }
}
