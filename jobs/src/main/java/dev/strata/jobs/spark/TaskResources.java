package dev.strata.jobs.spark;

import ai.djl.Device;
import dev.strata.pipeline.forward.Devices;
import java.util.Map;
import org.apache.spark.TaskContext;
import org.apache.spark.resource.ResourceInformation;
import scala.jdk.javaapi.CollectionConverters;

/**
 * What Spark gave the running task: its CPU cores (spark.task.cpus), which become its PyTorch intra-op threads,
 * and, when spark.task.resource.gpu.amount is set, the GPU address it was assigned, which becomes its DJL device.
 * Outside a task (the driver), one CPU thread count as configured and the CPU.
 */
public final class TaskResources {
    public static final String GPU = "gpu";

    private TaskResources() {
    }

    /** The device for the running task. */
    public static Device device() {
        TaskContext task = TaskContext.get();
        return task == null ? Device.cpu() : deviceFor(CollectionConverters.asJava(task.resources()));
    }

    /** The first GPU address among a task's resources, or the CPU when it has none. */
    static Device deviceFor(Map<String, ResourceInformation> resources) {
        ResourceInformation gpu = resources.get(GPU);
        if (gpu == null || gpu.addresses().length == 0) {
            return Device.cpu();
        }
        return Device.gpu(Integer.parseInt(gpu.addresses()[0].trim()));
    }

    /**
     * Sets the PyTorch intra-op threads of the calling thread to the task's cores (spark.task.cpus). PyTorch's
     * thread count belongs to the calling thread, so tasks running side by side each get their own.
     */
    public static void useTaskThreads() {
        TaskContext task = TaskContext.get();
        if (task != null) {
            Devices.setThreadsOfThisThread(task.cpus());
        }
    }
}
