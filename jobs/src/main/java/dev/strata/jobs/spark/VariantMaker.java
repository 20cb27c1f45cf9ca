package dev.strata.jobs.spark;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.strata.jobs.io.ContentVersion;
import dev.strata.jobs.io.HadoopFiles;
import dev.strata.jobs.io.ModelFiles;
import dev.strata.jobs.io.RunFolder;
import dev.strata.pipeline.compress.CompressionRun;
import dev.strata.pipeline.compress.RunParams;
import dev.strata.pipeline.compress.StoredModel;
import dev.strata.pipeline.compress.TrainingRecord;
import dev.strata.pipeline.eval.DataHalf;
import dev.strata.pipeline.eval.Perplexity;
import dev.strata.pipeline.model.LlamaConfig;
import dev.strata.pipeline.model.ModelFolder;
import dev.strata.pipeline.settings.Settings;
import dev.strata.pipeline.tailor.Variant;
import dev.strata.pipeline.tokenize.Tokenizer;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.spark.sql.SparkSession;

/**
 * Makes a recipe's fine-tuned variants (GPTailor's). For each: its two texts are written (the first half trains, the
 * second measures); the base is fine-tuned on the first in a run folder of its own (resumable like any run); and its
 * gain is measured: the perplexity of the base and of the variant on the held-out half. A variant's texts are part of
 * the recipe run's identity, so a changed source is refused (or made again with --recompute).
 */
final class VariantMaker {
    private static final Logger LOG = LogManager.getLogger(VariantMaker.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A variant made: its model folder, its training and its perplexity on its held-out text, before and after. */
    record Made(Variant variant, String model, TrainingRecord training, double basePerplexity,
            double tunedPerplexity, int windows) {
    }

    private VariantMaker() {
    }

    /**
     * Checks every variant's texts against the run's record of them (before anything runs), and returns them by name:
     * the first half, then the held-out half.
     */
    static Map<String, List<String>> texts(List<Variant> variants, RunFolder folder, Path dataDir) {
        Map<String, List<String>> texts = new LinkedHashMap<>();
        for (Variant v : variants) {
            List<String> halves = List.of(v.text(DataHalf.FIRST, dataDir, VariantMaker::read),
                    v.text(DataHalf.SECOND, dataDir, VariantMaker::read));
            ObjectNode version = JSON.createObjectNode();
            ContentVersion.putText(version, "train.txt", List.of(halves.get(0)));
            ContentVersion.putText(version, "held-out.txt", List.of(halves.get(1)));
            folder.requireVersion("variant " + v.name(), "the text of variant " + v.name() + " (" + v.describe()
                    + ")", version);
            texts.put(v.name(), halves);
        }
        return texts;
    }

    /** A variant's text file: local, hdfs:// or s3a:// (read on the driver). */
    private static String read(String file) {
        org.apache.hadoop.fs.Path path = HadoopFiles.path(file);
        if (HadoopFiles.isLocal(path)) {
            return dev.strata.pipeline.util.TextFiles.read(Path.of(file), HadoopFiles.clusterHint(path));
        }
        return HadoopFiles.readText(path, HadoopFiles.configuration(), "");
    }

    /** Makes every variant (or reuses what earlier runs made). */
    static List<Made> make(List<Variant> variants, Map<String, List<String>> texts, RunFolder folder, Settings run,
            Supplier<SparkSession> spark) {
        String base = HadoopFiles.path(run.get(RunParams.MODEL)).toString();
        return variants.stream().map(v -> make(v, texts.get(v.name()), folder, run, base, spark)).toList();
    }

    private static Made make(Variant v, List<String> halves, RunFolder folder, Settings run, String base,
            Supplier<SparkSession> spark) {
        String textDir = RunLayout.variantTexts(v.name());
        folder.once(textDir, () -> {
            folder.writeText(folder.path(textDir + "/train.txt"), halves.get(0));
            folder.writeText(folder.path(textDir + "/held-out.txt"), halves.get(1));
            return JSON.createObjectNode().put("train_chars", halves.get(0).length())
                    .put("held_out_chars", halves.get(1).length());
        });
        Map<String, String> flags = new LinkedHashMap<>();
        flags.put(RunParams.MODEL.flag(), base);
        flags.put(RunParams.DATA.flag(), folder.path(textDir + "/train.txt").toString());
        flags.put(RunParams.SEED.flag(), run.get(RunParams.SEED).toString());
        if (run.get(RunParams.SEQ_LEN) != null) {
            flags.put(RunParams.SEQ_LEN.flag(), run.get(RunParams.SEQ_LEN).toString());
        }
        StoredModel tuned;
        try (RunDriver driver = RunDriver.open(Settings.fromFlags(RunParams.PARAMS, flags),
                folder.path(RunLayout.variantRun(v.name())).toString(), spark)) {
            CompressionRun tuning = driver.runFor("finetune", v.settings().toJson());
            tuned = tuning.train("tuned", tuning.original(), List.of(v.task()), null);
        }
        JsonNode gain = folder.once(RunLayout.variantGain(v.name()), () -> {
            java.nio.file.Path metadata = ModelFiles.localMetadata(HadoopFiles.path(base), folder.configuration());
            LlamaConfig config = ModelFolder.readConfig(metadata);
            int seqLen = run.get(RunParams.SEQ_LEN) != null ? run.get(RunParams.SEQ_LEN) : config.maxPositions();
            List<int[]> windows;
            try (Tokenizer tokenizer = Tokenizer.load(metadata, config)) {
                windows = Perplexity.windows(tokenizer.encodeWithBos(halves.get(1)), seqLen);
            }
            List<Double> ppl = PplDropJob.perplexities(spark.get(), List.of(base, tuned.address()), windows,
                    run.get(RunParams.BATCH));
            LOG.info("variant {}: held-out perplexity {} -> {} ({} windows of {} tokens)", v.name(),
                    String.format("%.3f", ppl.get(0)), String.format("%.3f", ppl.get(1)), windows.size(), seqLen);
            return JSON.createObjectNode().put("base_perplexity", ppl.get(0)).put("tuned_perplexity", ppl.get(1))
                    .put("windows", windows.size());
        });
        return new Made(v, tuned.address(), tuned.training().get(0), gain.path("base_perplexity").asDouble(),
                gain.path("tuned_perplexity").asDouble(), gain.path("windows").asInt());
    }
}
