package dev.strata.jobs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** strata doctor on this machine: every check passes here, and what is missing fails in one line naming it. */
class DoctorCommandTest {
    @TempDir
    Path dir;

    @Test
    void everyCheckPassesHereAndMissingThingsFailNamingThem() throws Exception {
        CliRun ok = CliRun.of("doctor", "--model", CliRun.STORIES.toString(), "--master", "local[2]", "--json");
        assertEquals(0, ok.exitCode(), ok.err());
        JsonNode r = new ObjectMapper().readTree(ok.out());
        for (String check : new String[] {"java", "djl", "gpus", "spark", "data", "model"}) {
            assertTrue(r.get(check).asText().startsWith("ok: "), check + ": " + r.get(check));
        }
        assertTrue(r.get("djl").asText().contains("PyTorch 2.7.1"), r.get("djl").asText());
        assertTrue(r.get("spark").asText().startsWith("ok: local[2] (Spark 4."), r.get("spark").asText());
        assertTrue(r.get("model").asText().contains("loaded whole"), r.get("model").asText());

        Path nowhere = dir.resolve("nowhere");
        CliRun bad = CliRun.of("doctor", "--data-dir", nowhere.toString(), "--model", nowhere.toString(), "--json");
        assertEquals(1, bad.exitCode(), bad.err());
        JsonNode b = new ObjectMapper().readTree(bad.out());
        assertEquals("FAILED: " + nowhere + " does not exist (--data-dir, or lay the data out as ../shared/data beside "
                + "the checkout)", b.get("data").asText());
        assertEquals("FAILED: " + nowhere + ": not a model folder (no such directory)", b.get("model").asText());
        assertTrue(b.get("java").asText().startsWith("ok: "), "the other checks still run");
    }
}
