package dev.strata.pipeline.compress;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.strata.pipeline.model.LlamaConfig;
import dev.strata.pipeline.settings.Params;
import dev.strata.pipeline.settings.Settings;
import java.util.List;
import java.util.Set;

/**
 * A compression method: its settings, what it needs prepared, and the work that turns the run's model into smaller
 * ones. One class per method, registered by name in {@link Methods}; the command line ({@code strata compress NAME}),
 * recipes (a section under {@code methods}), {@code strata methods} and the report are all driven by this interface,
 * so a method is added in one place. {@link LayerPruning} is the shortest example; {@link Come} the longest.
 */
public interface CompressionMethod {
    /** The name on the command line and in recipes, e.g. "come". */
    String name();

    /** One line for listings and help. */
    String summary();

    /** Its settings: recipe keys and command-line flags, types, defaults and help. */
    Params params();

    /** What the run prepares before {@link #compress}. */
    Set<Need> needs(Settings settings);

    /**
     * Checks the settings against the model to compress, before anything runs: errors name the setting
     * ({@link Settings#invalid}).
     */
    void check(Settings settings, LlamaConfig model);

    /**
     * The settings that identify this method's results in a run folder: a rerun with others is refused. All of them
     * unless a method leaves out those that only change how the work is spread or what is added beside the results.
     */
    default ObjectNode identity(Settings settings) {
        return settings.toJson();
    }

    /** One paragraph for the report: what the method does with these settings. */
    String describe(Settings settings);

    /**
     * Compresses the run's model. Every model it makes is a stage of the run ({@link CompressionRun#model},
     * {@link CompressionRun#train}), so a rerun resumes after the last finished one.
     *
     * @return the models made, in the order the report lists them
     */
    List<Product> compress(CompressionRun run, Settings settings);
}
