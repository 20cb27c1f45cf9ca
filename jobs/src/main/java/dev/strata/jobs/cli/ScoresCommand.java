package dev.strata.jobs.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.strata.jobs.io.HadoopFiles;
import dev.strata.jobs.spark.RunLayout;
import dev.strata.jobs.spark.ScoreTables;
import dev.strata.pipeline.StrataException;
import dev.strata.pipeline.model.ModelFolder;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.hadoop.fs.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** strata scores: looks at the scores of a run. */
@Command(name = "scores", mixinStandardHelpOptions = true, description = "Look at the scores of a calibration run.",
        subcommands = ScoresCommand.Show.class)
final class ScoresCommand {

    @Command(name = "show", mixinStandardHelpOptions = true,
            description = {"Print the layer and block scores of a run: the original model's (OUT/scores/original), or "
                + "another table of the run with --name (a merge step's, e.g. come/step-001).",
                "Lists what the run folder holds first: its score tables and its models."})
    static final class Show implements Callable<Integer> {
        private static final org.apache.logging.log4j.Logger LOG = org.apache.logging.log4j.LogManager.getLogger(
                Show.class);

        @Parameters(paramLabel = "OUT", description = "The run folder (local, hdfs://, s3a://), or a scores folder.")
        String out;

        @Option(names = "--name", paramLabel = "NAME", description = "Which score table of the run (default: "
                + "original).")
        String name;

        @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "table",
                description = "table, csv or json (default: ${DEFAULT-VALUE}).")
        ScoresView.Format format;

        @Override
        public Integer call() {
            org.apache.hadoop.conf.Configuration conf = HadoopFiles.configuration();
            Path root = HadoopFiles.path(out);
            List<String> tables = below(new Path(root, "scores"), ScoreTables.SUMMARY, conf);
            List<String> models = below(new Path(root, "models"), ModelFolder.CONFIG, conf);
            if (!tables.isEmpty() || !models.isEmpty()) {
                LOG.info("{} holds score tables {} and models {}", out, tables, models);
            }
            Path dir;
            if (name != null) {
                if (!tables.contains(name)) {
                    throw new StrataException(out + ": no score table '" + name + "' (the run has " + tables + ")");
                }
                dir = new Path(root, RunLayout.scores(name));
            } else {
                dir = ScoreTables.locate(root, conf);
            }
            Path file = new Path(dir != null ? dir : new Path(root, RunLayout.scores(RunLayout.ORIGINAL)),
                    ScoreTables.SUMMARY);
            String text = HadoopFiles.readText(file, conf, " (is " + out + " a finished run?"
                    + (tables.isEmpty() ? "" : " it has " + tables + ": choose one with --name") + ")");
            JsonNode summary;
            try {
                summary = new ObjectMapper().readTree(text);
            } catch (com.fasterxml.jackson.core.JsonProcessingException ex) {
                throw new StrataException(HadoopFiles.display(file) + ": not valid JSON: " + ex.getOriginalMessage());
            }
            ScoresView.print(summary, format);
            return 0;
        }

        /** The folders under {@code dir} (up to three levels) holding {@code marker}, relative to it, sorted. */
        private static List<String> below(Path dir, String marker, org.apache.hadoop.conf.Configuration conf) {
            List<String> found = new java.util.ArrayList<>();
            try {
                org.apache.hadoop.fs.FileSystem fs = HadoopFiles.fileSystem(dir, conf);
                if (!fs.exists(dir)) {
                    return found;
                }
                collect(fs, dir, "", marker, 3, found);
            } catch (java.io.IOException ex) {
                throw HadoopFiles.failure(dir, "list", ex);
            }
            java.util.Collections.sort(found);
            return found;
        }

        private static void collect(org.apache.hadoop.fs.FileSystem fs, Path dir, String prefix, String marker,
                int depth, List<String> found) throws java.io.IOException {
            for (org.apache.hadoop.fs.FileStatus f : fs.listStatus(dir)) {
                String child = f.getPath().getName();
                if (!f.isDirectory() || child.startsWith(".")) {
                    continue;
                }
                String relative = prefix.isEmpty() ? child : prefix + "/" + child;
                if (fs.exists(new Path(f.getPath(), marker))) {
                    found.add(relative);
                } else if (depth > 1) {
                    collect(fs, f.getPath(), relative, marker, depth - 1, found);
                }
            }
        }
    }
}
