package dev.strata.jobs.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/** A Spark stage that runs past a few seconds logs its tasks done, rate and ETA, and its end; a quick one is silent. */
class StageProgressTest {
    @Test
    void aLongStageLogsItsProgressFromSparksEvents() throws Exception {
        PrintStream stderr = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        SparkSession spark = Sessions.start("local[1]", "stage progress test");
        try {
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
            assertEquals(12, sc.parallelize(List.of(1, 2, 3), 2).map(x -> x * 2).reduce(Integer::sum)); // quick: silent
            int slow = sc.parallelize(List.of(1, 2, 3), 3).map(x -> {
                Thread.sleep(1600);
                return x;
            }).reduce(Integer::sum);
            assertEquals(6, slow);
            Thread.sleep(500); // listener events arrive on Spark's bus thread
        } finally {
            System.setErr(stderr);
            spark.stop();
        }
        String log = err.toString(StandardCharsets.UTF_8);
        List<String> lines = log.lines().filter(l -> l.contains("spark stage")).toList();
        assertTrue(lines.stream().anyMatch(l -> l.matches(".*spark stage \\d+ \\(reduce at .*\\): 3/3 tasks \\(100%\\)"
                + ", took 0:0\\d")), log);
        assertTrue(lines.stream().anyMatch(l -> l.matches(".*spark stage \\d+ \\(reduce at .*\\): [12]/3 tasks .*ETA.*")),
                "a line while it runs: " + log);
        assertEquals(lines.size(), lines.stream().filter(l -> l.contains("/3 tasks")).count());
    }
}
