package dev.strata.pipeline.compress;

import dev.strata.pipeline.eval.DataHalf;
import dev.strata.pipeline.settings.Param;
import dev.strata.pipeline.settings.Params;

/**
 * The settings of a run, whatever its methods: the model to compress and the calibration text its methods score
 * and train on. On the command line they are flags of every {@code compress} command (and of {@code calibrate}, and
 * of {@code distill}, whose model is the teacher); in a recipe, {@code model}, the {@code calibration} section and
 * {@code scores}.
 */
public final class RunParams {
    public static final Param<String> MODEL = Param.text("model", null,
            "The Hugging Face Llama folder to compress (local, hdfs://, s3a://).").label("DIR").required();
    public static final Param<String> DATA = Param.text("calibration.data", null,
            "Calibration text: a UTF-8 file, a directory or a glob (local, hdfs://, s3a://); each file is one text.")
            .flag("--data").label("PATH").required();
    public static final Param<DataHalf> HALF = Param.choice("calibration.half", DataHalf.values(), DataHalf.ALL,
            "Which half of each calibration file: all, first or second (cut at the first line break past its "
                + "middle), so that the other half can measure the models.").flag("--data-half");
    public static final Param<Integer> SEQ_LEN = Param.integer("calibration.seq_len", null,
            "Tokens per window (default: the model's context).").check(Param.atLeast(2));
    public static final Param<Integer> SAMPLES = Param.integer("calibration.samples", null,
            "Windows drawn at random, seeded (default: every window of the text).").label("K").check(Param.atLeast(1));
    public static final Param<Integer> SEED = Param.integer("calibration.seed", 1234, "Seed of the drawing of windows.")
            .label("S");
    public static final Param<Integer> BATCH = Param.integer("calibration.batch", 8, "Windows per forward pass.")
            .label("B").check(Param.atLeast(1));
    public static final Param<Integer> PARTITIONS = Param.integer("calibration.partitions", null,
            "Spark partitions of a scoring pass (default: Spark's parallelism).").label("P").check(Param.atLeast(1));
    public static final Param<Integer> PPL_WINDOWS = Param.integer("calibration.ppl_windows", null,
            "Windows a PPL-drop pass evaluates (the first ones; default: all).").check(Param.atLeast(1));
    public static final Param<String> SCORES = Param.text("scores", null,
            "A run folder (or scores folder) of the same model and text whose original scores this run takes instead "
                + "of scoring the model itself.").label("DIR");
    public static final Params PARAMS = Params.of(MODEL, DATA, HALF, SEQ_LEN, SAMPLES, SEED, BATCH, PARTITIONS, PPL_WINDOWS,
            SCORES);

    private RunParams() {
    }
}
