import gc

import numpy as np

from autograder import data
from autograder.workbench import Workbench


def test_a_students_workbench_holds_nothing_out():
    bench = Workbench()
    assert bench.held_out_count == 0 and bench.kernel_data() is None
    assert bench.y_held is bench.y_test and bench.x_held.shape == bench.x_test.shape


def test_the_graders_workbench_measures_on_images_its_kernels_never_get():
    bench = Workbench(hold_out=True)
    assert bench.held_out_count == 5000 and len(bench.y_test) == 5000
    assert bench.x_held.shape == (5000, 28, 28, 1) and bench.flat_held.shape == (5000, 784)
    path = bench.kernel_data()
    assert bench.kernel_data() == path  # written once
    _, (given, _) = data.load_mnist(path)
    assert np.array_equal(given, bench.raw_test)
    assert {i.tobytes() for i in given}.isdisjoint(i.tobytes() for i in bench.raw_held)
    del bench
    gc.collect()
    assert not path.exists()
