package dev.strata.jobs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What can be checked of the Kubernetes deployment without Docker or a cluster (neither is on these machines): the
 * SparkApplication manifest parses and names what the Dockerfile puts in the image (the jar, the discovery script, the
 * logging configuration), the Dockerfile copies files that exist or that the cluster build makes, the s3a jars it adds
 * are the versions this build resolves, and the discovery script prints what Spark reads.
 */
class DeployFilesTest {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Path DOCKERFILE = ROOT.resolve("deploy/Dockerfile");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void theManifestRunsWhatTheImageHolds() throws Exception {
        JsonNode app = YAML.readTree(ROOT.resolve("deploy/kubernetes/strata-calibrate.yaml").toFile());
        assertEquals("SparkApplication", app.path("kind").asText());
        JsonNode spec = app.path("spec");
        Map<String, String> copies = imagePaths();
        assertEquals(StrataCli.class.getName(), spec.path("mainClass").asText());
        assertEquals("local://" + copies.get("jobs/target/strata-jobs-cluster.jar"),
                spec.path("mainApplicationFile").asText());
        assertEquals(sparkVersion(), spec.path("sparkVersion").asText());
        JsonNode conf = spec.path("sparkConf");
        assertEquals("1", conf.path("spark.executor.resource.gpu.amount").asText());
        assertEquals("nvidia.com", conf.path("spark.executor.resource.gpu.vendor").asText());
        assertEquals("1", conf.path("spark.task.resource.gpu.amount").asText());
        assertEquals(copies.get("deploy/docker/gpu-discovery.sh"),
                conf.path("spark.executor.resource.gpu.discoveryScript").asText());
        assertTrue(conf.path("spark.kubernetes.file.upload.path").asText().startsWith("s3a://"), conf.toString());
        String log4j = "-Dlog4j2.configurationFile=" + copies.get("conf/log4j2.xml");
        assertTrue(spec.path("driver").path("javaOptions").asText().contains(log4j), spec.path("driver").toString());
        assertTrue(conf.path("spark.executor.extraJavaOptions").asText().contains(log4j), conf.toString());
        assertTrue(spec.path("image").asText().endsWith("-gpu"), "the GPU job runs the Dockerfile's gpu target");
    }

    @Test
    void theDockerfileCopiesWhatExistsAndTheVersionsThisBuildResolves() throws Exception {
        String dockerfile = Files.readString(DOCKERFILE);
        for (String source : imagePaths().keySet()) {
            if (source.equals("libtorch-cu128/")) {
                continue; // the operator's CUDA libtorch for the gpu target (the Dockerfile's header says so)
            }
            assertTrue(source.equals("jobs/target/strata-jobs-cluster.jar") ? Files.readString(ROOT.resolve(
                    "jobs/pom.xml")).contains("<finalName>strata-jobs-cluster</finalName>")
                    : Files.exists(ROOT.resolve(source)), "the Dockerfile copies " + source + ", which is not there");
        }
        assertTrue(dockerfile.contains("ARG SPARK_IMAGE=apache/spark:" + sparkVersion() + "-scala2.13-java17"), dockerfile);
        assertEquals(resolvedVersion("org/apache/hadoop/hadoop-aws"), arg(dockerfile, "HADOOP_AWS_VERSION"));
        assertEquals(resolvedVersion("software/amazon/awssdk/bundle"), arg(dockerfile, "AWS_SDK_BUNDLE_VERSION"));
        assertTrue(dockerfile.contains("COPY --from=s3a /s3a/ /opt/strata/s3a/")
                && dockerfile.contains("SPARK_DIST_CLASSPATH=/opt/strata/s3a/*"),
                "the s3a jars go on SPARK_DIST_CLASSPATH, after Spark's own");
    }

    @Test
    void theDiscoveryScriptListsTheGpusNvidiaSmiShows(@TempDir Path bin) throws Exception {
        Path nvidiaSmi = bin.resolve("nvidia-smi");
        Files.writeString(nvidiaSmi, "#!/bin/sh\nprintf '0\\n1\\n3\\n'\n");
        nvidiaSmi.toFile().setExecutable(true);
        ProcessBuilder builder = new ProcessBuilder("bash", ROOT.resolve("deploy/docker/gpu-discovery.sh").toString());
        builder.environment().put("PATH", bin + File.pathSeparator + System.getenv("PATH"));
        Process p = builder.redirectErrorStream(true).start();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        JsonNode found = JSON.readTree(new String(p.getInputStream().readAllBytes()));
        assertEquals(JSON.readTree("{\"name\": \"gpu\", \"addresses\": [\"0\", \"1\", \"3\"]}"), found);
    }

    /** Each COPY of the build context into the image: source -> its path in the image. */
    private static Map<String, String> imagePaths() throws Exception {
        Map<String, String> copies = new LinkedHashMap<>();
        for (String line : Files.readAllLines(DOCKERFILE)) {
            if (line.startsWith("COPY ") && !line.startsWith("COPY --from")) {
                List<String> words = List.of(line.substring(5).trim().split("\\s+"));
                String target = words.get(words.size() - 1);
                for (String source : words.subList(0, words.size() - 1)) {
                    String name = source.substring(source.lastIndexOf('/') + 1);
                    copies.put(source, target.endsWith("/") ? target + name : target);
                }
            }
        }
        return copies;
    }

    private static String arg(String dockerfile, String name) {
        Matcher m = Pattern.compile("ARG " + name + "=(\\S+)").matcher(dockerfile);
        assertTrue(m.find(), "no ARG " + name);
        return m.group(1);
    }

    private static String sparkVersion() throws Exception {
        Matcher m = Pattern.compile("<spark.version>([^<]+)</spark.version>").matcher(Files.readString(ROOT.resolve("pom.xml")));
        assertTrue(m.find());
        return m.group(1);
    }

    /** The version of the artifact at this Maven path on the test classpath (what this build resolved). */
    private static String resolvedVersion(String mavenPath) {
        return Stream.of(System.getProperty("java.class.path").split(File.pathSeparator))
                .map(e -> e.replace(File.separatorChar, '/')).filter(e -> e.contains("/" + mavenPath + "/"))
                .map(e -> e.substring(e.indexOf("/" + mavenPath + "/") + mavenPath.length() + 2))
                .map(e -> e.substring(0, e.indexOf('/'))).findFirst()
                .orElseThrow(() -> new AssertionError(mavenPath + " is not on the test classpath"));
    }
}
