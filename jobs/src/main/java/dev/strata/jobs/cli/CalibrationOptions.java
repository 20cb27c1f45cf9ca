package dev.strata.jobs.cli;

import picocli.CommandLine.Option;

/** The options of every command that scores a model on calibration text in a Spark job and writes a run folder. */
final class CalibrationOptions {
    @Option(names = "--model", required = true, paramLabel = "DIR", description = "Hugging Face Llama folder (local, hdfs://, s3a://).")
    String model;

    @Option(names = "--data", required = true, paramLabel = "PATH",
            description = "Calibration text: a UTF-8 file, a directory or a glob (local, hdfs://, s3a://); each file is one text.")
    String data;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Run folder (created, or resumed).")
    String out;

    @Option(names = "--master", paramLabel = "URL",
            description = "Spark master (default: spark-submit's, else ${sys:spark.master:-local[*]}).")
    String master;

    @Option(names = "--seq-len", paramLabel = "N", description = "Tokens per window (default: the model's context).")
    Integer seqLen;

    @Option(names = "--samples", paramLabel = "K", description = "Windows chosen at random (default: all windows).")
    Integer samples;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "1234", description = "Seed of --samples (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--batch", paramLabel = "B", defaultValue = "8", description = "Windows per forward pass (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--partitions", paramLabel = "P", description = "Spark partitions of the scoring pass (default: Spark's parallelism).")
    Integer partitions;

    @Option(names = "--ppl-windows", paramLabel = "N", description = "Windows the ppl-drop pass evaluates on (default: all).")
    Integer pplWindows;
}
