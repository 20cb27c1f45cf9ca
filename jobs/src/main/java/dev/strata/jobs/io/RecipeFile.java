package dev.strata.jobs.io;

import dev.strata.pipeline.StrataException;
import dev.strata.pipeline.recipe.Recipe;
import dev.strata.pipeline.settings.YamlSection;
import org.apache.hadoop.fs.Path;

/**
 * A recipe file anywhere Hadoop reaches: a local path, hdfs:// or s3a://. In cluster deploy mode the driver runs on a
 * cluster node, so a recipe kept on the submitting machine is out of its reach; one on shared storage is not.
 */
public final class RecipeFile {
    private RecipeFile() {
    }

    /** Reads and validates the recipe at {@code spec}. */
    public static Recipe read(String spec) {
        Path path = HadoopFiles.path(spec);
        if (HadoopFiles.isLocal(path)) {
            java.nio.file.Path file = java.nio.file.Path.of(spec);
            if (!java.nio.file.Files.exists(file) && !HadoopFiles.clusterHint(path).isEmpty()) {
                throw new StrataException(spec + ": the recipe does not exist" + HadoopFiles.clusterHint(path));
            }
            return Recipe.read(file);
        }
        String text = HadoopFiles.readText(path, HadoopFiles.configuration(), " (the recipe)");
        return Recipe.read(YamlSection.parse(text, HadoopFiles.display(path)), path.getName());
    }
}
