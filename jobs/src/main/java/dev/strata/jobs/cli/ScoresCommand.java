package dev.strata.jobs.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.strata.jobs.io.HadoopFiles;
import dev.strata.jobs.spark.RunLayout;
import dev.strata.jobs.spark.ScoreTables;
import dev.strata.pipeline.StrataException;
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
            description = "Print the original model's layer and block scores of a run (OUT/scores/original/summary.json).")
    static final class Show implements Callable<Integer> {
        @Parameters(paramLabel = "OUT", description = "The run folder (local, hdfs://, s3a://).")
        String out;

        @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "table",
                description = "table, csv or json (default: ${DEFAULT-VALUE}).")
        ScoresView.Format format;

        @Override
        public Integer call() {
            Path dir = ScoreTables.locate(HadoopFiles.path(out), HadoopFiles.configuration());
            Path file = new Path(dir != null ? dir : new Path(HadoopFiles.path(out), RunLayout.scores(RunLayout.ORIGINAL)),
                    ScoreTables.SUMMARY);
            String text = HadoopFiles.readText(file, HadoopFiles.configuration(),
                    " (is " + out + " a finished run?)");
            JsonNode summary;
            try {
                summary = new ObjectMapper().readTree(text);
            } catch (com.fasterxml.jackson.core.JsonProcessingException ex) {
                throw new StrataException(HadoopFiles.display(file) + ": not valid JSON: " + ex.getOriginalMessage());
            }
            ScoresView.print(summary, format);
            return 0;
        }
    }
}
