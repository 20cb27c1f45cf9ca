/**
 * Run once while the image is built (java ExtractNatives.java, the cluster jar on the classpath): starts DJL's PyTorch
 * engine, which extracts the native libraries the jar carries into DJL_CACHE_DIR, and checks that they compute. Pods
 * then find them there and never extract or download anything.
 */
public class ExtractNatives {
    public static void main(String[] args) {
        ai.djl.engine.Engine engine = ai.djl.engine.Engine.getEngine("PyTorch");
        try (ai.djl.ndarray.NDManager manager = engine.newBaseManager()) {
            float sum = manager.create(new float[] {1f, 2f}).sum().getFloat();
            if (sum != 3f) {
                throw new IllegalStateException("PyTorch computed 1 + 2 = " + sum);
            }
        }
        System.out.println("PyTorch " + engine.getVersion() + " natives in " + System.getenv("DJL_CACHE_DIR"));
    }
}
