package dev.strata.jobs.cli;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.strata.jobs.spark.Sessions;
import dev.strata.pipeline.eval.task.Task;
import dev.strata.pipeline.eval.task.Tasks;
import dev.strata.pipeline.forward.Devices;
import dev.strata.pipeline.forward.MemoryBudget;
import dev.strata.pipeline.model.LlamaConfig;
import dev.strata.pipeline.model.ModelFolder;
import dev.strata.pipeline.model.StoredWeights;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** strata doctor: what Strata needs on this machine, checked one line at a time. */
@Command(name = "doctor", mixinStandardHelpOptions = true,
        description = {"Check what Strata needs here: Java, DJL's PyTorch natives (a product computed), the GPUs DJL "
            + "sees, a Spark master running a job, the task data, and a model folder when given. One line each: ok, "
            + "warn or FAILED with the reason; the exit code is 1 when a check failed."})
final class DoctorCommand implements Callable<Integer> {
    @Option(names = "--master", paramLabel = "URL", description = "Spark master to try (default: spark-submit's, "
            + "else local[*]).")
    String master;

    @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "${sys:strata.data:-../shared/data}",
            description = "Task data folder (default: ${DEFAULT-VALUE}).")
    Path dataDir;

    @Option(names = "--model", paramLabel = "DIR", description = "A model folder to check (headers only).")
    Path model;

    @Option(names = "--json", description = "Print the result as JSON.")
    boolean json;

    private enum Status { OK, WARN, FAILED }

    private record Finding(Status status, String detail) {
        String line() {
            return (status == Status.FAILED ? "FAILED" : status.name().toLowerCase(Locale.ROOT)) + ": " + detail;
        }
    }

    @FunctionalInterface
    private interface Check {
        Finding run() throws Exception;
    }

    @Override
    public Integer call() {
        Report report = new Report();
        boolean failed = false;
        List<String> names = List.of("java", "djl", "gpus", "spark", "data", "model");
        List<Check> checks = List.of(this::java, this::djl, this::gpus, this::spark, this::data, this::model);
        for (int i = 0; i < checks.size(); i++) {
            Finding f = run(checks.get(i));
            if (f == null) {
                continue;
            }
            failed |= f.status() == Status.FAILED;
            report.put(names.get(i), f.line());
        }
        report.print(json);
        return failed ? 1 : 0;
    }

    /** A check's finding; anything it throws is a failure in one line. */
    private static Finding run(Check check) {
        try {
            return check.run();
        } catch (Exception | LinkageError ex) {
            String message = StrataCli.strataMessage(ex);
            if (message == null) {
                message = ex.getMessage() != null ? ex.getMessage() : ex.getClass().getSimpleName();
            }
            return new Finding(Status.FAILED, message.lines().findFirst().orElse(""));
        }
    }

    private Finding java() {
        Runtime.Version v = Runtime.version();
        String detail = String.format(Locale.ROOT, "%s (%s), %d cores, heap up to %s, direct memory up to %s",
                v, System.getProperty("java.vendor"), Runtime.getRuntime().availableProcessors(),
                MemoryBudget.size(Runtime.getRuntime().maxMemory()), MemoryBudget.size(MemoryBudget.directMemoryLimit()));
        return new Finding(v.feature() >= 17 ? Status.OK : Status.FAILED, detail
                + (v.feature() >= 17 ? "" : "; Strata needs Java 17 or later"));
    }

    private Finding djl() {
        Engine engine = Devices.engine();
        try (NDManager m = NDManager.newBaseManager(ai.djl.Device.cpu(), engine.getEngineName())) {
            NDArray a = m.create(new float[] {1, 2, 3, 4}, new ai.djl.ndarray.types.Shape(2, 2));
            float[] product = a.matMul(a).toFloatArray(); // [[7, 10], [15, 22]]
            boolean right = product[0] == 7 && product[1] == 10 && product[2] == 15 && product[3] == 22;
            return new Finding(right ? Status.OK : Status.FAILED, engine.getEngineName() + " " + engine.getVersion()
                    + (right ? ", a product computed" : ", a 2x2 product came out wrong: "
                    + java.util.Arrays.toString(product)));
        }
    }

    private Finding gpus() {
        int count = Devices.engine().getGpuCount();
        return count == 0 ? new Finding(Status.OK, "none: tensors run on the CPU (see docs/memory-and-devices.md "
                + "for a CUDA build of PyTorch)") : new Finding(Status.OK, count + " (gpu(0)" + (count > 1 ? " .. gpu("
                + (count - 1) + ")" : "") + ")");
    }

    private Finding spark() {
        long start = System.nanoTime();
        try (Sessions.Lazy lazy = Sessions.lazy(master, "doctor")) {
            SparkSession spark = lazy.get();
            JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
            int sum = sc.parallelize(List.of(1, 2, 3, 4), 2).map(x -> x * x).reduce(Integer::sum);
            return new Finding(sum == 30 ? Status.OK : Status.FAILED, String.format(Locale.ROOT,
                    "%s (Spark %s, parallelism %d): a job of 2 tasks ran in %.1f s", spark.sparkContext().master(),
                    spark.version(), sc.defaultParallelism(), (System.nanoTime() - start) / 1e9));
        }
    }

    private Finding data() {
        Path dataDir = this.dataDir.toAbsolutePath().normalize();
        if (!Files.isDirectory(dataDir)) {
            return new Finding(Status.FAILED, dataDir + " does not exist (--data-dir, or lay the data out as "
                    + "../shared/data beside the checkout)");
        }
        List<String> missing = Tasks.all().stream().filter(t -> !Files.isRegularFile(dataDir.resolve(t.source())))
                .map(Task::name).toList();
        int present = Tasks.all().size() - missing.size();
        return missing.isEmpty() ? new Finding(Status.OK, dataDir + ": all " + present + " tasks' files")
                : new Finding(Status.WARN, dataDir + ": " + present + " of " + Tasks.all().size()
                        + " tasks' files; missing " + String.join(", ", missing) + " (those tasks cannot run)");
    }

    private Finding model() {
        if (model == null) {
            return null;
        }
        StoredWeights weights = ModelFolder.open(model);
        LlamaConfig c = weights.config();
        MemoryBudget budget = MemoryBudget.current();
        long f32 = weights.f32Bytes();
        return new Finding(Status.OK, c + ", " + MemoryBudget.size(f32) + " as F32: " + (budget.fits(f32)
                ? "loaded whole" : "streamed a layer at a time") + " within the budget " + budget.describe());
    }
}
