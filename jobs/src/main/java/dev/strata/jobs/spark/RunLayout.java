package dev.strata.jobs.spark;

/**
 * Every path in a run folder, relative to its root, in one place. A path is also the name of the stage that writes
 * it (in run.json), so a folder's files and its stages read the same.
 * <pre>
 * run.json                       inputs, the settings of every method run here, stages done with their records
 * data/windows-K/                K calibration windows drawn from the text (windows-all: every window), Parquet
 * scores/original/               the original model's layer, block and channel scores (Parquet) and summary.json
 * scores/METHOD/NAME/            the scores of another model a method scored (CoMe: the model after each merge)
 * models/METHOD/NAME/            every model a method made: an ordinary Hugging Face folder with plan.json
 * training/METHOD/NAME/          the layers each training task wrote, assembled into models/METHOD/NAME
 * steps/METHOD/NAME              (a stage without files) a step of a method recorded in run.json: a search's round
 * search/trials/round=NNNN/      GPTailor's trials of each round, one row per trial and task (Parquet)
 * variants/texts/NAME/           a recipe's variant NAME: train.txt (the first half of its text), held-out.txt
 * variants/NAME/                 its fine-tune (a run folder of its own: models/finetune/tuned is the variant)
 * variants/gain/NAME             the stage measuring its gain (perplexity on held-out.txt, before and after)
 * reports/METHOD.md, .html       a method's own report section (GPTailor's search)
 * eval/, model/, report.*        a recipe's evaluation, exported model and report
 * </pre>
 */
public final class RunLayout {
    /** The name of the original model's scores. */
    public static final String ORIGINAL = "original";
    /** A recipe's evaluation (a run folder of its own), exported model and report. */
    public static final String EVAL = "eval";
    public static final String EXPORT = "model";
    public static final String REPORT = "report";

    private RunLayout() {
    }

    /** The calibration windows drawn {@code samples} at a time (null: every window). */
    public static String windows(Integer samples) {
        return "data/windows-" + (samples == null ? "all" : samples);
    }

    /** The score tables of the model named {@code name} ({@link #ORIGINAL}, or METHOD/NAME). */
    public static String scores(String name) {
        return "scores/" + name;
    }

    public static String model(String name) {
        return "models/" + name;
    }

    public static String training(String name) {
        return "training/" + name;
    }

    /** A table of rows a method writes part by part (GPTailor's trials: search/trials/round=NNNN). */
    public static String table(String name) {
        return "search/" + name;
    }

    /** A method's step whose product is its record in run.json alone (a round of a search). */
    public static String step(String name) {
        return "steps/" + name;
    }

    /** The texts a recipe's variant is fine-tuned on (train.txt) and measured on (held-out.txt). */
    public static String variantTexts(String variant) {
        return "variants/texts/" + variant;
    }

    /** The run folder of a recipe's variant's fine-tune. */
    public static String variantRun(String variant) {
        return "variants/" + variant;
    }

    /** The stage that measures a variant's gain on its held-out text. */
    public static String variantGain(String variant) {
        return "variants/gain/" + variant;
    }

    /** A method's own report (OUT/reports/METHOD.md and .html), without the extension. */
    public static String methodReport(String method) {
        return "reports/" + method;
    }

    /** The variant model, inside its run folder. */
    public static final String TUNED = "models/finetune/tuned";
}
