package dev.strata.pipeline.compress;

import dev.strata.pipeline.forward.LlamaModel;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.List;

/**
 * Work that runs where the models are (a Spark task on an executor): it names the model folders it needs, which the
 * executor loads once and shares with its other tasks, and returns a small result to the driver.
 */
public interface ModelTask<R extends Serializable> extends Serializable {
    /** The model folders (addresses) the task uses, in the order {@link #run} receives them. */
    List<String> models();

    /**
     * @param models the loaded models, in the order of {@link #models()} (shared: not to be closed or changed)
     * @param folders the local folders holding them (for their tokenizer files)
     */
    R run(List<LlamaModel> models, List<Path> folders);
}
