"""OpenCV's answers for test/distortion-opencv.test.ts: reads JSON cases on stdin, prints JSON.

Each case: model (ROS name), coefficients (ROS D order, which is OpenCV's), fx fy cx cy, `points`
(undistorted normalised x, y to project through the lens) and `pixels` (distorted pixels to undistort).
Answers: `projected` pixels (cv2.projectPoints / cv2.fisheye.distortPoints) and `undistorted`
normalised points (cv2.undistortPointsIter / cv2.fisheye.undistortPoints, iterated to convergence),
with `reprojected` pixels of those (to tell the pixels OpenCV could invert from those it could not).
"""
import json
import sys

import cv2
import numpy as np

FISHEYE = ("kannala_brandt", "equidistant")
CRITERIA = (cv2.TERM_CRITERIA_COUNT | cv2.TERM_CRITERIA_EPS, 500, 1e-14)


def answer(case):
    k = np.array([[case["fx"], 0, case["cx"]], [0, case["fy"], case["cy"]], [0, 0, 1]], dtype=np.float64)
    d = np.array(case["coefficients"], dtype=np.float64)
    points = np.array(case["points"], dtype=np.float64).reshape(-1, 1, 2)
    pixels = np.array(case["pixels"], dtype=np.float64).reshape(-1, 1, 2)
    if case["model"] in FISHEYE:
        projected = cv2.fisheye.distortPoints(points, k, d) if len(points) else None
        try:
            undistorted = cv2.fisheye.undistortPoints(pixels, k, d, criteria=CRITERIA)
        except TypeError:
            undistorted = cv2.fisheye.undistortPoints(pixels, k, d)
        reprojected = cv2.fisheye.distortPoints(undistorted, k, d)
    else:
        def project(xy):
            xyz = np.concatenate([xy.reshape(-1, 2), np.ones((xy.shape[0], 1))], axis=1)
            out, _ = cv2.projectPoints(xyz, np.zeros(3), np.zeros(3), k, d)
            return out

        projected = project(points) if len(points) else None
        undistorted = cv2.undistortPointsIter(pixels, k, d, None, None, CRITERIA)
        reprojected = project(undistorted)
    return {
        "projected": projected.reshape(-1).tolist() if len(case["points"]) else [],
        "undistorted": undistorted.reshape(-1).tolist(),
        "reprojected": reprojected.reshape(-1).tolist(),
    }


cases = json.load(sys.stdin)
json.dump({"opencv": cv2.__version__, "answers": [answer(c) for c in cases]}, sys.stdout)
