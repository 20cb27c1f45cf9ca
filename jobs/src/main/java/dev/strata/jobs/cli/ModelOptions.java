package dev.strata.jobs.cli;

import ai.djl.Device;
import dev.strata.pipeline.forward.Devices;
import dev.strata.pipeline.forward.LlamaModel;
import dev.strata.pipeline.forward.ComputeType;
import dev.strata.pipeline.forward.MemoryBudget;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The model folder and device options shared by commands that run a model. */
final class ModelOptions {
    @Option(names = "--model", required = true, paramLabel = "DIR", description = "Hugging Face Llama model folder.")
    Path model;

    @Option(names = "--device", paramLabel = "cpu|gpu[:i]",
            description = "Where tensors live; default: the first GPU when DJL sees one, else the CPU.")
    String device;

    Device device() {
        return Devices.parse(device, "--device");
    }

    LlamaModel load() {
        Device on = device();
        return LlamaModel.open(model, on, MemoryBudget.current(),
                ComputeType.current(on, dev.strata.pipeline.model.ModelFolder.readConfig(model).dtype()));
    }
}
