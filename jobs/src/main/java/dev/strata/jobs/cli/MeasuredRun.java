package dev.strata.jobs.cli;

import dev.strata.pipeline.StrataException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A strata command run in a JVM of its own, with the JVM options a user would give it, timed, its peak resident memory
 * read from the kernel (VmHWM in /proc, on Linux) while it runs: each step of a benchmark measured as it would run
 * alone.
 *
 * @param peakRssBytes the child's peak resident set, or -1 where /proc is not there
 */
record MeasuredRun(int exitCode, double seconds, long peakRssBytes, String output) {
    /** The JVM options the strata script passes so that embedded Spark runs on Java 17 (Spark's own list). */
    private static final List<String> SPARK_JVM_OPTIONS = List.of("-XX:+IgnoreUnrecognizedVMOptions",
            "--add-opens=java.base/java.lang=ALL-UNNAMED", "--add-opens=java.base/java.lang.invoke=ALL-UNNAMED",
            "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED", "--add-opens=java.base/java.io=ALL-UNNAMED",
            "--add-opens=java.base/java.net=ALL-UNNAMED", "--add-opens=java.base/java.nio=ALL-UNNAMED",
            "--add-opens=java.base/java.util=ALL-UNNAMED", "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
            "--add-opens=java.base/jdk.internal.ref=ALL-UNNAMED", "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
            "--add-opens=java.base/sun.nio.cs=ALL-UNNAMED", "--add-opens=java.base/sun.security.action=ALL-UNNAMED",
            "--add-opens=java.base/sun.util.calendar=ALL-UNNAMED", "-Djdk.reflect.useDirectMethodHandle=false",
            "-Dio.netty.tryReflectionSetAccessible=true", "-Dai.djl.offline=true");

    /** Runs {@code strata args} with {@code jvmOptions} and this JVM's class path; its output goes to {@code log}. */
    static MeasuredRun of(List<String> jvmOptions, List<String> args, Path log) {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.addAll(jvmOptions);
        command.addAll(SPARK_JVM_OPTIONS);
        String data = System.getProperty("strata.data");
        if (data != null) {
            command.add("-Dstrata.data=" + data);
        }
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), StrataCli.class.getName()));
        command.addAll(args);
        try {
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
            builder.environment().putIfAbsent("SPARK_LOCAL_IP", "127.0.0.1");
            long start = System.nanoTime();
            Process process = builder.start();
            Path status = Path.of("/proc", Long.toString(process.pid()), "status");
            long peak = -1;
            while (!process.waitFor(200, java.util.concurrent.TimeUnit.MILLISECONDS)) {
                peak = Math.max(peak, highWaterMark(status));
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            return new MeasuredRun(process.exitValue(), seconds, peak, Files.readString(log));
        } catch (IOException ex) {
            throw new StrataException("cannot run strata " + String.join(" ", args) + ": " + ex.getMessage());
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new StrataException("interrupted while strata " + args.get(0) + " ran");
        }
    }

    /** VmHWM of a running process in bytes, or -1 when it cannot be read (gone, or no /proc). */
    private static long highWaterMark(Path status) {
        try {
            for (String line : Files.readAllLines(status)) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | RuntimeException gone) {
            // the process ended between two reads
        }
        return -1;
    }

    /** The last line of the output starting with "strata: error", for a failed step. */
    String error() {
        return output.lines().filter(l -> l.startsWith("strata: error")).reduce((a, b) -> b)
                .orElse("exit code " + exitCode);
    }
}
