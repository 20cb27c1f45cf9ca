package dev.strata.jobs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * An out-of-memory error reaching the command line is one line that says which memory ran out and what to change:
 * direct memory holds weights and activations (within --memory-budget), the heap the rest.
 */
class OutOfMemoryMessageTest {
    @Test
    void directAndHeapMemoryGetTheirOwnAdvice() {
        assertEquals("out of direct memory (Cannot reserve 46137344 bytes of direct buffer memory (allocated: 281751984,"
                + " limit: 314572800)); lower --memory-budget or --batch, or raise -XX:MaxDirectMemorySize (./strata "
                + "reads JVM options from STRATA_JAVA_OPTS; spark-submit from spark.driver/executor memory)",
                StrataCli.outOfMemory(new OutOfMemoryError("Cannot reserve 46137344 bytes of direct buffer memory "
                        + "(allocated: 281751984, limit: 314572800)")));
        assertEquals("out of heap memory (Java heap space); raise -Xmx or lower --batch (./strata reads JVM options "
                + "from STRATA_JAVA_OPTS; spark-submit from spark.driver/executor memory)",
                StrataCli.outOfMemory(new OutOfMemoryError("Java heap space")));
    }
}
