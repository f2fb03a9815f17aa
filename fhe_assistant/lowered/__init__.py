"""The compiled program as data: the lowered graph, its FHE plan and tables.

Built once by the compiler, executed by ``backend``, serialized by ``deploy``; it imports
nothing above ``interpret`` and ``crypto``.
"""
