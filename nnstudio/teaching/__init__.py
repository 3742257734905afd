"""The teaching lab without Qt: the backpropagation inspector's numbers and the lessons.

``inspect`` tabulates one forward and backward pass (``Network.trace``) the way a lecture does
by hand; ``lesson_file`` reads and checks a lesson file; ``measure`` reads the numbers a lesson
asks for from a document; ``lessons`` lists the built-in lessons and performs a lesson's steps
through the one training path (``nnstudio.live``), as ``nnstudio lesson check`` does.
"""
