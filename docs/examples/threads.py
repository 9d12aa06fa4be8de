"""How many threads the convolution and pooling ops use: gn.set_num_threads, as torch.set_num_threads."""
import glassnet as gn

print("default (the cores this process may use):", gn.get_num_threads())
gn.set_num_threads(1)                      # every op in the calling thread
print("after set_num_threads(1):", gn.get_num_threads())
try:
    gn.set_num_threads(0)
except ValueError as error:
    print("ValueError:", error)
