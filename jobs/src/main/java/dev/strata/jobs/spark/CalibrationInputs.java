package dev.strata.jobs.spark;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.strata.jobs.io.HadoopFiles;
import dev.strata.jobs.io.ModelFiles;
import dev.strata.pipeline.model.LlamaConfig;
import dev.strata.pipeline.model.ModelFolder;
import dev.strata.pipeline.util.Require;

/**
 * What every job that scores a model on calibration text checks first, before Spark starts: the numeric options,
 * the model's config, the window length; and the run identity they give.
 *
 * @param model the model's absolute address (the run's identity, and what executors elsewhere can open)
 * @param metadata a local folder with the model's config and tokenizer
 */
record CalibrationInputs(String model, java.nio.file.Path metadata, LlamaConfig config, CalibrationWindows windows) {
    private static final ObjectMapper JSON = new ObjectMapper();

    static CalibrationInputs check(String modelAsGiven, String dataAsGiven, Integer seqLen, Integer samples, long seed,
            int batch, Integer partitions, Integer pplWindows) {
        Require.positive("--batch", batch);
        Require.positive("--samples", samples);
        Require.positive("--partitions", partitions);
        Require.positive("--ppl-windows", pplWindows);
        String model = HadoopFiles.path(modelAsGiven).toString();
        java.nio.file.Path metadata = ModelFiles.localMetadata(HadoopFiles.path(model), HadoopFiles.configuration());
        LlamaConfig config = ModelFolder.readConfig(metadata);
        int length = CalibrationWindows.seqLen(seqLen, config, modelAsGiven);
        CalibrationWindows windows = new CalibrationWindows(HadoopFiles.path(dataAsGiven).toString(), dataAsGiven, length,
                samples, seed);
        return new CalibrationInputs(model, metadata, config, windows);
    }

    /** The run inputs these give: the model and the windows. */
    ObjectNode identity() {
        ObjectNode inputs = JSON.createObjectNode();
        inputs.put("model", model);
        windows.describe(inputs);
        return inputs;
    }
}
