package dev.strata.jobs.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The strata command line in another JVM, to be killed while it works (resume tests). */
final class OtherJvm {
    private static final ObjectMapper JSON = new ObjectMapper();

    private OtherJvm() {
    }

    /** Starts {@code strata args...}; its output goes to {@code log}. */
    static Process start(Path log, String... args) throws Exception {
        return start(log, List.of("-Xmx2g"), args);
    }

    /** Starts {@code strata args...} in a JVM with {@code jvmOptions} (memory limits); its output goes to {@code log}. */
    static Process start(Path log, List<String> jvmOptions, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dai.djl.offline=true"));
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), StrataCli.class.getName()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().putAll(Map.of("SPARK_LOCAL_IP", "127.0.0.1"));
        return builder.start();
    }

    /** Waits (up to 180 s: a busy CI machine) until run.json under {@code out} marks {@code stage} done. */
    static void waitForStage(Path out, String stage, Process process, Path log) throws Exception {
        File runFile = out.resolve("run.json").toFile();
        for (int i = 0; i < 7200; i++) {
            if (runFile.exists()) {
                try {
                    if (JSON.readTree(runFile).path("stages").path(stage).path("done").asBoolean()) {
                        return;
                    }
                } catch (java.io.IOException partialRead) {
                    // being replaced right now: look again
                }
            }
            if (!process.isAlive()) {
                throw new AssertionError("the run ended before stage " + stage + ": " + Files.readString(log));
            }
            Thread.sleep(25);
        }
        throw new AssertionError("stage " + stage + " did not finish within 180 s");
    }
}
