from . import test_neighbours
